import { DomainError } from '@seed-pms/domain';
import type { Collection, ObjectId, OptionalUnlessRequiredId, UpdateFilter, WithId } from 'mongodb';
import { isDuplicateKey } from './errors.js';
import { newIdString, oid } from './ids.js';
import { initialVersion, updateVersioned, type Versioned } from './versioning.js';

/** A document with a unique name (kept as `nameKey`, lower case) and a unique code, archived rather than deleted. */
export interface NamedDoc extends Versioned {
  _id: ObjectId;
  name: string;
  nameKey: string;
  code: string;
  archived: boolean;
}

/**
 * The writes of an admin list whose entries have a unique name (any case) and
 * a unique code (leave types, expense categories): insert and versioned
 * update, a clash answered 409 ALREADY_EXISTS naming the field.
 */
export function uniquelyNamed<TDoc extends NamedDoc, TRecord, TChanges extends { name?: string; code?: string }>(
  collection: Collection<TDoc>,
  options: {
    /** In error messages: "A leave type with that name already exists". */
    label: string;
    /** The resource of VERSION_CONFLICT. */
    resource: string;
    /** The stored form of the fields given (without `nameKey`, which is added here). */
    stored: (changes: Partial<TChanges>) => Partial<TDoc>;
    toRecord: (doc: WithId<TDoc>) => TRecord;
  },
) {
  const { label, resource, stored, toRecord } = options;
  const storedWithKey = (changes: Partial<TChanges>): Partial<TDoc> => ({
    ...stored(changes),
    ...(changes.name === undefined ? {} : { nameKey: changes.name.toLowerCase() }),
  });
  function taken(error: unknown, changes: Partial<TChanges>): never {
    if (isDuplicateKey(error)) {
      const field = String((error as { message?: string }).message ?? '').includes('code') ? 'code' : 'name';
      throw new DomainError('ALREADY_EXISTS', `A ${label} with that ${field} already exists`, {
        field,
        value: field === 'code' ? changes.code : changes.name,
      });
    }
    throw error;
  }
  return {
    /** 409 ALREADY_EXISTS on a name (any case) or code already used. */
    async insert(fields: TChanges, now: Date): Promise<TRecord> {
      const doc = { _id: oid(newIdString()), ...storedWithKey(fields), archived: false, ...initialVersion(now) };
      try {
        await collection.insertOne(doc as OptionalUnlessRequiredId<TDoc>);
      } catch (error) {
        taken(error, fields);
      }
      return toRecord(doc as WithId<TDoc>);
    },
    /** At `expectedVersion` only (409 VERSION_CONFLICT); 409 ALREADY_EXISTS on a taken name or code. */
    async update(id: string, expectedVersion: number, changes: Partial<TChanges>, now: Date): Promise<TRecord> {
      try {
        return toRecord(
          await updateVersioned(
            collection,
            oid(id) as TDoc['_id'],
            expectedVersion,
            { $set: storedWithKey(changes) } as UpdateFilter<TDoc>,
            { resource, now },
          ),
        );
      } catch (error) {
        return taken(error, changes);
      }
    },
  };
}
