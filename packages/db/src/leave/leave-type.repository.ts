import {
  DomainError,
  type HolidayCalendarRecord,
  type LeaveTypeFields,
  type LeaveTypeRecord,
  notFound,
  toHundredths,
  versionConflict,
} from '@seed-pms/domain';
import type { Collection, WithId } from 'mongodb';
import { newIdString, objectIdOf, objectIdsOf, oid } from '../ids.js';
import { uniquelyNamed } from '../named-records.js';
import { initialVersion, updateVersioned } from '../versioning.js';
import type { HolidayCalendarDoc, LeaveTypeDoc } from './leave.doc.js';

/** A type's fields as the API gives them (amounts in units); stored in hundredths. */
export type LeaveTypeChanges = Partial<LeaveTypeFields> & { archived?: boolean | undefined };

const AMOUNTS = ['yearlyEntitlement', 'carryForwardCap', 'allowNegative', 'documentRequiredAfterDays'] as const;

function stored(fields: LeaveTypeChanges): Partial<LeaveTypeDoc> {
  const out: Partial<LeaveTypeDoc> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    (out as Record<string, unknown>)[key] =
      (AMOUNTS as readonly string[]).includes(key) && typeof value === 'number' ? toHundredths(value) : value;
  }
  return out;
}

function toRecord(doc: WithId<LeaveTypeDoc>): LeaveTypeRecord {
  const { _id, nameKey: _key, ...rest } = doc;
  return { id: _id.toHexString(), ...rest, maxPastDays: rest.maxPastDays ?? 0 };
}

export interface LeaveTypeRepository {
  list(includeArchived: boolean): Promise<LeaveTypeRecord[]>;
  get(id: string): Promise<LeaveTypeRecord | null>;
  /** 409 ALREADY_EXISTS on a name (any case) or code already used. */
  insert(fields: LeaveTypeFields, now: Date): Promise<LeaveTypeRecord>;
  /** At `expectedVersion` only (409 VERSION_CONFLICT); 409 ALREADY_EXISTS on a taken name or code. */
  update(id: string, expectedVersion: number, changes: LeaveTypeChanges, now: Date): Promise<LeaveTypeRecord>;
  count(): Promise<number>;
}

export function createLeaveTypeRepository(types: Collection<LeaveTypeDoc>): LeaveTypeRepository {
  const named = uniquelyNamed<LeaveTypeDoc, LeaveTypeRecord, LeaveTypeChanges>(types, {
    label: 'leave type',
    resource: 'LeaveType',
    stored,
    toRecord,
  });
  return {
    async list(includeArchived) {
      const docs = await types.find(includeArchived ? {} : { archived: false }).toArray();
      return docs.map(toRecord).sort((a, b) => a.name.localeCompare(b.name));
    },
    async get(id) {
      const _id = objectIdOf(id);
      const doc = _id ? await types.findOne({ _id }) : null;
      return doc ? toRecord(doc) : null;
    },
    insert: (fields, now) => named.insert(fields, now),
    update: (id, expectedVersion, changes, now) => named.update(id, expectedVersion, changes, now),
    count: () => types.countDocuments({}),
  };
}

function calendarRecord(doc: WithId<HolidayCalendarDoc>): HolidayCalendarRecord {
  const { _id, ...rest } = doc;
  return { id: _id.toHexString(), ...rest, days: [...rest.days].sort((a, b) => a.date.localeCompare(b.date)) };
}

export type HolidayCalendarFields = Pick<HolidayCalendarRecord, 'name' | 'isDefault' | 'locations' | 'days'>;

export interface HolidayCalendarRepository {
  list(): Promise<HolidayCalendarRecord[]>;
  get(id: string): Promise<HolidayCalendarRecord | null>;
  insert(fields: HolidayCalendarFields, now: Date): Promise<HolidayCalendarRecord>;
  update(
    id: string,
    expectedVersion: number,
    changes: Partial<HolidayCalendarFields>,
    now: Date,
  ): Promise<HolidayCalendarRecord>;
  /** The other calendars stop being the default. */
  clearDefaultExcept(id: string, now: Date): Promise<void>;
  /** At `expectedVersion`, and only while not the default (409 HOLIDAY_CALENDAR_DEFAULT). */
  remove(id: string, expectedVersion: number | null): Promise<void>;
}

export function createHolidayCalendarRepository(calendars: Collection<HolidayCalendarDoc>): HolidayCalendarRepository {
  return {
    async list() {
      const docs = await calendars.find({}).toArray();
      return docs
        .map(calendarRecord)
        .sort((a, b) => Number(b.isDefault) - Number(a.isDefault) || a.name.localeCompare(b.name));
    },
    async get(id) {
      const _id = objectIdOf(id);
      const doc = _id ? await calendars.findOne({ _id }) : null;
      return doc ? calendarRecord(doc) : null;
    },
    async insert(fields, now) {
      const doc: HolidayCalendarDoc = { _id: oid(newIdString()), ...fields, ...initialVersion(now) };
      await calendars.insertOne(doc);
      return calendarRecord(doc);
    },
    async update(id, expectedVersion, changes, now) {
      const set = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined));
      return calendarRecord(
        await updateVersioned(calendars, oid(id), expectedVersion, { $set: set }, { resource: 'HolidayCalendar', now }),
      );
    },
    async clearDefaultExcept(id, now) {
      await calendars.updateMany(
        { _id: { $nin: objectIdsOf([id]) }, isDefault: true },
        { $set: { isDefault: false, updatedAt: now }, $inc: { version: 1 } },
      );
    },
    async remove(id, expectedVersion) {
      const _id = oid(id);
      const result = await calendars.deleteOne({
        _id,
        isDefault: false,
        ...(expectedVersion === null ? {} : { version: expectedVersion }),
      });
      if (result.deletedCount === 1) return;
      const current = await calendars.findOne({ _id });
      if (!current) throw notFound('HolidayCalendar', id);
      if (current.isDefault) {
        throw new DomainError(
          'HOLIDAY_CALENDAR_DEFAULT',
          'The default calendar stays; make another the default first',
          {
            id,
          },
        );
      }
      throw versionConflict('HolidayCalendar', id, expectedVersion ?? current.version, current.version);
    },
  };
}
