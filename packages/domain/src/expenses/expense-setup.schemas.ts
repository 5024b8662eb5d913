import { z } from 'zod';
import { CalendarDay, ExpectedVersion, Id, Instant, QueryFlag } from '../common/common.schemas.js';
import { isCurrency, parseRate } from './money.js';

/** An ISO 4217 currency code this runtime knows. */
export const CurrencyCode = z
  .string()
  .refine(isCurrency, 'must be an ISO 4217 currency code such as EUR')
  .meta({ id: 'CurrencyCode', example: 'EUR' });

/** An amount of minor units of the base currency (cents for EUR): a limit or a threshold. */
const MinorAmount = z.number().int('must be a whole number of minor units (cents)').min(0).max(1_000_000_000_00);

export const FinanceSettings = z.object({
  baseCurrency: CurrencyCode.meta({
    description: 'What claims are converted to, limits are set in and reports total in (minor units).',
  }),
});
export type FinanceSettings = z.infer<typeof FinanceSettings>;
export const DEFAULT_FINANCE_SETTINGS: FinanceSettings = { baseCurrency: 'EUR' };

// ---- Categories ----

const CategoryFields = {
  name: z.string().trim().min(1).max(100),
  code: z
    .string()
    .trim()
    .regex(/^[A-Z0-9_-]{1,20}$/, 'must be 1–20 capital letters, digits, - or _'),
  perItemLimitMinor: MinorAmount.nullable().meta({
    description: 'Most one claim may be, in base minor units; null: none.',
  }),
  perMonthLimitMinor: MinorAmount.nullable().meta({
    description: 'Most a person may claim in a calendar month (pending and approved together); null: none.',
  }),
  receiptRequiredAboveMinor: MinorAmount.nullable().meta({
    description: 'Claims above this need a receipt; 0: always; null: never.',
  }),
};

export const CreateExpenseCategoryInput = z.strictObject({
  name: CategoryFields.name,
  code: CategoryFields.code,
  perItemLimitMinor: CategoryFields.perItemLimitMinor.default(null),
  perMonthLimitMinor: CategoryFields.perMonthLimitMinor.default(null),
  receiptRequiredAboveMinor: CategoryFields.receiptRequiredAboveMinor.default(0),
});
export type CreateExpenseCategoryInput = z.infer<typeof CreateExpenseCategoryInput>;

export const UpdateExpenseCategoryInput = z.strictObject({
  id: Id,
  version: ExpectedVersion,
  name: CategoryFields.name.optional(),
  code: CategoryFields.code.optional(),
  perItemLimitMinor: CategoryFields.perItemLimitMinor.optional(),
  perMonthLimitMinor: CategoryFields.perMonthLimitMinor.optional(),
  receiptRequiredAboveMinor: CategoryFields.receiptRequiredAboveMinor.optional(),
  archived: z
    .boolean()
    .optional()
    .meta({ description: 'Archived categories take no new claims (they are never deleted).' }),
});
export type UpdateExpenseCategoryInput = z.infer<typeof UpdateExpenseCategoryInput>;

export const ListExpenseCategoriesQuery = z.object({ includeArchived: QueryFlag.optional() });
export type ListExpenseCategoriesQuery = z.infer<typeof ListExpenseCategoriesQuery>;

export interface ExpenseCategoryRecord {
  id: string;
  name: string;
  code: string;
  perItemLimitMinor: number | null;
  perMonthLimitMinor: number | null;
  receiptRequiredAboveMinor: number | null;
  archived: boolean;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export const ExpenseCategoryView = z
  .object({
    id: Id,
    name: z.string(),
    code: z.string(),
    perItemLimitMinor: z.number().int().nullable(),
    perMonthLimitMinor: z.number().int().nullable(),
    receiptRequiredAboveMinor: z.number().int().nullable(),
    currency: CurrencyCode.meta({ description: 'The base currency the limits are in.' }),
    archived: z.boolean(),
    version: z.number().int(),
    createdAt: Instant,
    updatedAt: Instant,
  })
  .meta({ id: 'ExpenseCategory' });
export type ExpenseCategoryView = z.infer<typeof ExpenseCategoryView>;

// ---- Exchange rates ----

export const RateText = z
  .string()
  .refine((text) => parseRate(text) !== null, 'must be a positive decimal such as 1.0834 (up to 12 decimals)')
  .meta({
    description: 'Units of the base currency for one unit of `currency`, as a decimal string.',
    example: '1.0834',
  });

export const ExchangeRateEntry = z.strictObject({
  currency: CurrencyCode,
  date: CalendarDay.meta({ description: 'In force from this day until the next entry of the currency.' }),
  rate: RateText,
});
export type ExchangeRateEntry = z.infer<typeof ExchangeRateEntry>;

export const PutExchangeRatesInput = z.strictObject({
  rates: z.array(ExchangeRateEntry).min(1).max(1000),
});
export type PutExchangeRatesInput = z.infer<typeof PutExchangeRatesInput>;

export const ListExchangeRatesQuery = z.object({
  currency: CurrencyCode.optional(),
  from: CalendarDay.optional(),
  to: CalendarDay.optional(),
});
export type ListExchangeRatesQuery = z.infer<typeof ListExchangeRatesQuery>;

export interface ExchangeRateRecord {
  currency: string;
  base: string;
  date: string;
  rate: string;
  updatedAt: Date;
  updatedBy: string;
}

export const ExchangeRateView = z
  .object({
    currency: CurrencyCode,
    base: CurrencyCode,
    date: CalendarDay,
    rate: z.string(),
    updatedAt: Instant,
    updatedBy: Id,
  })
  .meta({ id: 'ExchangeRate' });
export type ExchangeRateView = z.infer<typeof ExchangeRateView>;
