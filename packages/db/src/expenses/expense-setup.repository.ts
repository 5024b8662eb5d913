import type { ExchangeRateRecord, ExpenseCategoryRecord } from '@seed-pms/domain';
import type { Collection, Filter, WithId } from 'mongodb';
import { objectIdOf, oid } from '../ids.js';
import { uniquelyNamed } from '../named-records.js';
import type { ExchangeRateDoc, ExpenseCategoryDoc } from './expense.doc.js';

export type ExpenseCategoryFields = Pick<
  ExpenseCategoryRecord,
  'name' | 'code' | 'perItemLimitMinor' | 'perMonthLimitMinor' | 'receiptRequiredAboveMinor'
>;
export type ExpenseCategoryChanges = Partial<ExpenseCategoryFields> & { archived?: boolean | undefined };

function toCategory(doc: WithId<ExpenseCategoryDoc>): ExpenseCategoryRecord {
  const { _id, nameKey: _key, ...rest } = doc;
  return { id: _id.toHexString(), ...rest };
}

const stored = (fields: ExpenseCategoryChanges): Partial<ExpenseCategoryDoc> =>
  Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Partial<ExpenseCategoryDoc>;

export interface ExpenseCategoryRepository {
  list(includeArchived: boolean): Promise<ExpenseCategoryRecord[]>;
  get(id: string): Promise<ExpenseCategoryRecord | null>;
  count(): Promise<number>;
  /** 409 ALREADY_EXISTS on a name (any case) or code already used. */
  insert(fields: ExpenseCategoryFields, now: Date): Promise<ExpenseCategoryRecord>;
  /** At `expectedVersion` only (409 VERSION_CONFLICT); 409 ALREADY_EXISTS on a taken name or code. */
  update(
    id: string,
    expectedVersion: number,
    changes: ExpenseCategoryChanges,
    now: Date,
  ): Promise<ExpenseCategoryRecord>;
}

export function createExpenseCategoryRepository(categories: Collection<ExpenseCategoryDoc>): ExpenseCategoryRepository {
  const named = uniquelyNamed<ExpenseCategoryDoc, ExpenseCategoryRecord, ExpenseCategoryChanges>(categories, {
    label: 'expense category',
    resource: 'ExpenseCategory',
    stored,
    toRecord: toCategory,
  });
  return {
    async list(includeArchived) {
      const docs = await categories.find(includeArchived ? {} : { archived: false }).toArray();
      return docs.map(toCategory).sort((a, b) => a.name.localeCompare(b.name));
    },
    async get(id) {
      const _id = objectIdOf(id);
      const doc = _id ? await categories.findOne({ _id }) : null;
      return doc ? toCategory(doc) : null;
    },
    count: () => categories.countDocuments({}),
    insert: (fields, now) => named.insert(fields, now),
    update: (id, expectedVersion, changes, now) => named.update(id, expectedVersion, changes, now),
  };
}

const toRate = (doc: ExchangeRateDoc): ExchangeRateRecord => ({
  currency: doc.currency,
  base: doc.base,
  date: doc.date,
  rate: doc.rate,
  updatedAt: doc.updatedAt,
  updatedBy: doc.updatedBy.toHexString(),
});

export interface ExchangeRateRepository {
  /** The rates of a base currency, by currency and day (optionally one currency, from..to). */
  list(
    base: string,
    filter: { currency?: string | undefined; from?: string | undefined; to?: string | undefined },
  ): Promise<ExchangeRateRecord[]>;
  /** Every rate of `currency` against `base` on or before `day`, latest first (at most `limit`). */
  upTo(base: string, currency: string, day: string, limit: number): Promise<ExchangeRateRecord[]>;
  /** Sets rates (a rate set again for the same day replaces it); the rates as they were before, for the audit. */
  put(
    base: string,
    rates: readonly Pick<ExchangeRateRecord, 'currency' | 'date' | 'rate'>[],
    by: string,
    now: Date,
  ): Promise<ExchangeRateRecord[]>;
}

export function createExchangeRateRepository(rates: Collection<ExchangeRateDoc>): ExchangeRateRepository {
  const idOf = (base: string, currency: string, date: string) => `${base}:${currency}:${date}`;
  return {
    async list(base, filter) {
      const query: Filter<ExchangeRateDoc> = { base };
      if (filter.currency) query.currency = filter.currency;
      if (filter.from || filter.to) {
        query.date = { ...(filter.from ? { $gte: filter.from } : {}), ...(filter.to ? { $lte: filter.to } : {}) };
      }
      const docs = await rates.find(query).sort({ currency: 1, date: 1 }).toArray();
      return docs.map(toRate);
    },
    async upTo(base, currency, day, limit) {
      const docs = await rates
        .find({ base, currency, date: { $lte: day } })
        .sort({ date: -1 })
        .limit(limit)
        .toArray();
      return docs.map(toRate);
    },
    async put(base, entries, by, now) {
      const ids = entries.map((e) => idOf(base, e.currency, e.date));
      const before = (await rates.find({ _id: { $in: ids } }).toArray()).map(toRate);
      // By `_id` only (on FerretDB any other filter of a write scans the collection).
      await rates.bulkWrite(
        entries.map((e) => ({
          replaceOne: {
            filter: { _id: idOf(base, e.currency, e.date) },
            replacement: { currency: e.currency, base, date: e.date, rate: e.rate, updatedAt: now, updatedBy: oid(by) },
            upsert: true,
          },
        })),
        { ordered: false },
      );
      return before;
    },
  };
}
