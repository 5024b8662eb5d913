import {
  CreateExpenseCategoryInput,
  type ExchangeRateView,
  type ExpenseCategoryRecord,
  type ExpenseCategoryView,
  isDomainError,
  type List,
  type ListExchangeRatesQuery,
  type ListExpenseCategoriesQuery,
  type Money,
  notFound,
  type PutExchangeRatesInput,
  toBaseCurrency,
  type UpdateExpenseCategoryInput,
  validationFailed,
} from '@seed-pms/domain';
import { assertCan } from '../access/ability.js';
import type { ActorContext } from '../app/call-context.js';
import type { ServiceDeps } from '../app/deps.js';
import type { AuditService } from '../audit/audit.service.js';
import type { SettingsService } from '../settings/settings.service.js';

/** The categories every organisation starts with (inserted when there are none); limits in EUR cents by default. */
export const DEFAULT_EXPENSE_CATEGORIES: CreateExpenseCategoryInput[] = [
  { name: 'Travel', code: 'TRAVEL', perItemLimitMinor: 200_000 },
  {
    name: 'Meals',
    code: 'MEALS',
    perItemLimitMinor: 10_000,
    perMonthLimitMinor: 40_000,
    receiptRequiredAboveMinor: 2_500,
  },
  { name: 'Accommodation', code: 'ACCOMMODATION', perItemLimitMinor: 50_000 },
  { name: 'Equipment', code: 'EQUIPMENT', perItemLimitMinor: 150_000 },
  { name: 'Training', code: 'TRAINING', perItemLimitMinor: 300_000 },
  { name: 'Other', code: 'OTHER', perItemLimitMinor: 20_000 },
].map((fields) => CreateExpenseCategoryInput.parse(fields));

export interface ExpenseSetupService {
  categories(ctx: ActorContext, query: ListExpenseCategoriesQuery): Promise<List<ExpenseCategoryView>>;
  createCategory(ctx: ActorContext, input: CreateExpenseCategoryInput): Promise<ExpenseCategoryView>;
  updateCategory(ctx: ActorContext, input: UpdateExpenseCategoryInput): Promise<ExpenseCategoryView>;
  exchangeRates(ctx: ActorContext, query: ListExchangeRatesQuery): Promise<List<ExchangeRateView>>;
  putExchangeRates(ctx: ActorContext, input: PutExchangeRatesInput): Promise<List<ExchangeRateView>>;
}

export interface ExpenseSetupInternals extends ExpenseSetupService {
  /** An amount in the base currency at the rate in force on `day` (422 EXCHANGE_RATE_MISSING without one). */
  toBase(amount: Money, day: string, now: Date): Promise<ReturnType<typeof toBaseCurrency>>;
}

/** Expense categories and the exchange-rate table (admin). */
export function createExpenseSetupService(
  deps: Pick<ServiceDeps, 'repos'>,
  services: { audit: AuditService; settings: SettingsService },
): ExpenseSetupInternals {
  const { expenseCategories: categories, exchangeRates: rates } = deps.repos;
  const { audit, settings } = services;
  const baseOf = async (now: Date) => (await settings.current(now)).finance.baseCurrency;

  const view = (c: ExpenseCategoryRecord, currency: string): ExpenseCategoryView => ({
    ...c,
    currency,
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
  });

  /** The default categories, the first time anyone asks (two first asks at once insert them once). */
  async function ensureDefaults(now: Date) {
    if ((await categories.count()) > 0) return;
    for (const fields of DEFAULT_EXPENSE_CATEGORIES) {
      try {
        await categories.insert(fields, now);
      } catch (error) {
        if (!(isDomainError(error) && error.code === 'ALREADY_EXISTS')) throw error;
      }
    }
  }

  return {
    async categories(ctx, query) {
      await ensureDefaults(ctx.now);
      const base = await baseOf(ctx.now);
      return { items: (await categories.list(query.includeArchived === true)).map((c) => view(c, base)) };
    },

    async createCategory(ctx, input) {
      assertCan(ctx.actor, 'create', 'ExpenseCategory', {});
      await ensureDefaults(ctx.now);
      const saved = await categories.insert(input, ctx.now);
      await audit.record(ctx, {
        action: 'expense-category.create',
        resourceType: 'expense_category',
        resourceId: saved.id,
        after: input,
      });
      return view(saved, await baseOf(ctx.now));
    },

    async updateCategory(ctx, input) {
      assertCan(ctx.actor, 'update', 'ExpenseCategory', {});
      const before = await categories.get(input.id);
      if (!before) throw notFound('Expense category', input.id);
      const { id, version, ...changes } = input;
      const saved = await categories.update(id, version, changes, ctx.now);
      await audit.record(ctx, {
        action: 'expense-category.update',
        resourceType: 'expense_category',
        resourceId: id,
        before,
        after: saved,
      });
      return view(saved, await baseOf(ctx.now));
    },

    async exchangeRates(ctx, query) {
      assertCan(ctx.actor, 'read', 'ExchangeRate', {});
      const base = await baseOf(ctx.now);
      const list = await rates.list(base, query);
      return { items: list.map((r) => ({ ...r, updatedAt: r.updatedAt.toISOString() })) };
    },

    async putExchangeRates(ctx, input) {
      assertCan(ctx.actor, 'update', 'ExchangeRate', {});
      const base = await baseOf(ctx.now);
      const issues = input.rates.flatMap((r, index) =>
        r.currency === base
          ? [{ path: `rates.${index}.currency`, message: `${base} is the base currency`, code: 'invalid_value' }]
          : [],
      );
      const seen = new Set<string>();
      for (const [index, r] of input.rates.entries()) {
        const key = `${r.currency}:${r.date}`;
        if (seen.has(key)) {
          issues.push({ path: `rates.${index}`, message: 'the same currency and day twice', code: 'duplicate' });
        }
        seen.add(key);
      }
      if (issues.length > 0) throw validationFailed('Some rates cannot be set', issues);
      const before = await rates.put(base, input.rates, ctx.actor.id, ctx.now);
      await audit.record(ctx, {
        action: 'exchange-rates.put',
        resourceType: 'exchange_rates',
        resourceId: base,
        before: { rates: before.map(({ currency, date, rate }) => ({ currency, date, rate })) },
        after: { rates: input.rates },
      });
      return {
        items: input.rates.map((r) => ({
          ...r,
          base,
          updatedAt: ctx.now.toISOString(),
          updatedBy: ctx.actor.id,
        })),
      };
    },

    async toBase(amount, day, now) {
      const base = await baseOf(now);
      const known = amount.currency === base ? [] : await rates.upTo(base, amount.currency, day, 1);
      return toBaseCurrency(amount, base, day, known);
    },
  };
}
