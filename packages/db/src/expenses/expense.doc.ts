import type { ExpenseCategoryRecord } from '@seed-pms/domain';
import type { ObjectId } from 'mongodb';
import { defineCollection } from '../collections.js';

/** An expense category with its limits in base-currency minor units (admin); `nameKey` is the name in lower case (unique). */
export type ExpenseCategoryDoc = Omit<ExpenseCategoryRecord, 'id'> & { _id: ObjectId; nameKey: string };

export const expenseCategoriesCollection = defineCollection<ExpenseCategoryDoc>('expense_categories', [
  { name: 'nameKey_unique', key: { nameKey: 1 }, unique: true },
  { name: 'code_unique', key: { code: 1 }, unique: true },
]);

/** One rate of the admin's table: `_id` is `<base>:<currency>:<date>`, so setting it again replaces it. */
export interface ExchangeRateDoc {
  _id: string;
  currency: string;
  base: string;
  date: string;
  /** A decimal string: units of `base` for one unit of `currency`. */
  rate: string;
  updatedAt: Date;
  updatedBy: ObjectId;
}

export const exchangeRatesCollection = defineCollection<ExchangeRateDoc>('exchange_rates', [
  { name: 'base_currency_date', key: { base: 1, currency: 1, date: 1 } },
]);
