import {
  CreateExpenseCategoryInput,
  ExchangeRateView,
  ExpenseCategoryView,
  ListExchangeRatesQuery,
  ListExpenseCategoriesQuery,
  listOf,
  PutExchangeRatesInput,
  UpdateExpenseCategoryInput,
} from '@seed-pms/domain';
import { authedProcedure, router } from '../trpc/trpc.js';

const tags = ['expenses'];

export const expensesRouter = router({
  categories: authedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/expenses/categories',
        tags,
        summary: 'Expense categories with their limits (in the base currency’s minor units)',
      },
    })
    .input(ListExpenseCategoriesQuery)
    .output(listOf(ExpenseCategoryView))
    .query(({ ctx, input }) => ctx.services.expenses.categories(ctx, input)),

  createCategory: authedProcedure
    .meta({
      access: { action: 'create', subject: 'ExpenseCategory' },
      errors: ['ALREADY_EXISTS'],
      openapi: {
        method: 'POST',
        successStatus: 201,
        path: '/expenses/categories',
        tags,
        summary:
          'Add an expense category (Admin): unique name and code, limits per item and per month, receipt threshold',
      },
    })
    .input(CreateExpenseCategoryInput)
    .output(ExpenseCategoryView)
    .mutation(({ ctx, input }) => ctx.services.expenses.createCategory(ctx, input)),

  updateCategory: authedProcedure
    .meta({
      access: { action: 'update', subject: 'ExpenseCategory' },
      errors: ['ALREADY_EXISTS', 'VERSION_CONFLICT'],
      openapi: {
        method: 'PATCH',
        path: '/expenses/categories/{id}',
        tags,
        summary: 'Change or archive an expense category (Admin, with version); categories are never deleted',
      },
    })
    .input(UpdateExpenseCategoryInput)
    .output(ExpenseCategoryView)
    .mutation(({ ctx, input }) => ctx.services.expenses.updateCategory(ctx, input)),

  exchangeRates: authedProcedure
    .meta({
      access: { action: 'read', subject: 'ExchangeRate' },
      openapi: {
        method: 'GET',
        path: '/admin/exchange-rates',
        tags,
        summary: 'The exchange-rate table against the base currency (Finance, Admin)',
      },
    })
    .input(ListExchangeRatesQuery)
    .output(listOf(ExchangeRateView))
    .query(({ ctx, input }) => ctx.services.expenses.exchangeRates(ctx, input)),

  putExchangeRates: authedProcedure
    .meta({
      access: { action: 'update', subject: 'ExchangeRate' },
      openapi: {
        method: 'PUT',
        path: '/admin/exchange-rates',
        tags,
        summary:
          'Set rates (Admin): units of the base currency for one unit of a currency, from a day on; a rate set again for the same day replaces it',
      },
    })
    .input(PutExchangeRatesInput)
    .output(listOf(ExchangeRateView))
    .mutation(({ ctx, input }) => ctx.services.expenses.putExchangeRates(ctx, input)),
});
