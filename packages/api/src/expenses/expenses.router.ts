import {
  CancelExpenseInput,
  CreateExpenseCategoryInput,
  CreateExpenseInput,
  ExchangeRateView,
  ExpenseApprovalsQuery,
  ExpenseApprovalsView,
  ExpenseCategoryView,
  ExpenseDecisionInput,
  ExpenseDetailView,
  ExpenseRejectInput,
  ExpenseView,
  Id,
  ListExchangeRatesQuery,
  ListExpenseCategoriesQuery,
  ListExpensesQuery,
  listOf,
  PutExchangeRatesInput,
  pageOf,
  ReceiptView,
  ReimburseExpenseInput,
  UpdateExpenseCategoryInput,
  UpdateExpenseInput,
} from '@seed-pms/domain';
import { z } from 'zod';
import { multipartInput } from '../rest/multipart.js';
import { authedProcedure, idempotent, router, uploadProcedure } from '../trpc/trpc.js';

const tags = ['expenses'];

/** What a stage decision may answer besides the claim. */
const DECISION_ERRORS = [
  'STAGE_NOT_REACHED',
  'STAGE_NOT_IN_WORKFLOW',
  'ONE_STAGE_PER_APPROVER',
  'NOT_AN_APPROVER',
  'SELF_APPROVAL',
  'ALREADY_DECIDED',
  'WORKFLOW_CLOSED',
  'REQUEST_CHANGED',
  'REQUEST_NOT_PENDING',
] as const;
const SUBMIT_ERRORS = [
  'EXCHANGE_RATE_MISSING',
  'RECEIPT_REQUIRED',
  'EXPENSE_CATEGORY_ARCHIVED',
  'EXPENSE_DATE_IN_FUTURE',
  'REFERENCE_NOT_FOUND',
  'RESOURCE_BUSY',
] as const;

/** The four stage endpoints: Finance's or the CEO's approval or rejection. */
function stageDecision<D extends 'approve' | 'reject'>(role: 'finance' | 'ceo', decision: D) {
  // Each endpoint's own input in the client's types: a rejection's reason is required.
  const input = (decision === 'approve' ? ExpenseDecisionInput : ExpenseRejectInput) as D extends 'approve'
    ? typeof ExpenseDecisionInput
    : typeof ExpenseRejectInput;
  const who = role === 'ceo' ? 'The CEO' : 'Finance';
  const base = authedProcedure.meta({
    errors: DECISION_ERRORS,
    openapi: {
      method: 'POST',
      path: `/expenses/{id}/${role}-${decision}`,
      tags,
      summary:
        decision === 'approve'
          ? `${who} approves the claim at the ${role === 'ceo' ? 'CEO' : 'Finance'} stage (in order: Finance first)`
          : `${who} rejects the claim (with a reason), which ends it`,
    },
  });
  return base
    .input(input)
    .output(ExpenseView)
    .mutation(({ ctx, input }) => ctx.services.expenses.decideStage(ctx, role, decision, input));
}

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

  list: authedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/expenses',
        tags,
        summary:
          'Claims: your own; Finance and the CEO those they may decide or have decided; HR and Admin all (filters, sorted, paged)',
      },
    })
    .input(ListExpensesQuery)
    .output(pageOf(ExpenseView))
    .query(({ ctx, input }) => ctx.services.expenses.list(ctx, input)),

  create: authedProcedure
    .meta({
      access: { action: 'create', subject: 'ExpenseClaim' },
      errors: SUBMIT_ERRORS,
      openapi: {
        method: 'POST',
        successStatus: 201,
        path: '/expenses',
        tags,
        summary:
          'Claim an expense: a draft, or submitted at once (submit: true) to Finance, then the CEO; past a category limit it is routed, not refused',
      },
    })
    .input(CreateExpenseInput)
    .output(ExpenseView)
    .mutation(idempotent(({ ctx, input }) => ctx.services.expenses.create(ctx, input))),

  approvals: authedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/expenses/approvals',
        tags,
        summary:
          'The claims waiting for you (Finance’s and the CEO’s queue), with totals per currency and in the base currency',
      },
    })
    .input(ExpenseApprovalsQuery)
    .output(ExpenseApprovalsView)
    .query(({ ctx, input }) => ctx.services.expenses.approvals(ctx, input)),

  get: authedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/expenses/{id}',
        tags,
        summary: 'A claim with its receipts (download links) and its approval timeline',
      },
    })
    .input(z.strictObject({ id: Id }))
    .output(ExpenseDetailView)
    .query(({ ctx, input }) => ctx.services.expenses.get(ctx, input.id)),

  update: authedProcedure
    .meta({
      errors: ['EXPENSE_NOT_DRAFT', 'VERSION_CONFLICT', ...SUBMIT_ERRORS],
      openapi: {
        method: 'PATCH',
        path: '/expenses/{id}',
        tags,
        summary: 'Change your draft (with version), or submit it ({ action: "submit" })',
      },
    })
    .input(UpdateExpenseInput)
    .output(ExpenseView)
    .mutation(({ ctx, input }) => ctx.services.expenses.update(ctx, input)),

  cancel: authedProcedure
    .meta({
      errors: ['EXPENSE_NOT_CANCELLABLE', 'ALREADY_DECIDED', 'VERSION_CONFLICT', 'WORKFLOW_CLOSED'],
      openapi: {
        method: 'DELETE',
        path: '/expenses/{id}',
        tags,
        summary:
          'Cancel a claim: yours while a draft or before anyone decided it; once decided (until reimbursed), Finance only',
      },
    })
    .input(CancelExpenseInput)
    .output(ExpenseView)
    .mutation(({ ctx, input }) => ctx.services.expenses.cancel(ctx, input)),

  financeApprove: stageDecision('finance', 'approve'),
  financeReject: stageDecision('finance', 'reject'),
  ceoApprove: stageDecision('ceo', 'approve'),
  ceoReject: stageDecision('ceo', 'reject'),

  reimburse: authedProcedure
    .meta({
      access: { action: 'reimburse', subject: 'ExpenseClaim' },
      errors: ['EXPENSE_NOT_APPROVED', 'VERSION_CONFLICT'],
      openapi: {
        method: 'POST',
        path: '/expenses/{id}/reimburse',
        tags,
        summary: 'Record the payment of an approved claim (Finance): the day paid and its reference',
      },
    })
    .input(ReimburseExpenseInput)
    .output(ExpenseView)
    .mutation(({ ctx, input }) => ctx.services.expenses.reimburse(ctx, input)),

  uploadReceipt: uploadProcedure
    .meta({
      multipart: { file: 'The receipt: PDF, JPEG or PNG (by content), at most 10 MB' },
      errors: ['EXPENSE_NOT_DRAFT'],
      openapi: {
        method: 'POST',
        successStatus: 201,
        path: '/expenses/{id}/receipts',
        contentTypes: ['multipart/form-data'],
        tags,
        summary: 'Add a receipt to your claim (field "file") while a draft or before Finance has decided',
      },
    })
    .input(multipartInput({ id: Id }))
    .output(ReceiptView)
    .mutation(({ ctx, input }) => ctx.services.expenses.uploadReceipt(ctx, input)),

  uploadReceiptAhead: uploadProcedure
    .meta({
      multipart: { file: 'The receipt: PDF, JPEG or PNG (by content), at most 10 MB' },
      openapi: {
        method: 'POST',
        successStatus: 201,
        path: '/expenses/receipts',
        contentTypes: ['multipart/form-data'],
        tags,
        summary: 'Upload a receipt before its claim (field "file"); name it in receiptFileIds when you claim',
      },
    })
    .input(multipartInput({}))
    .output(ReceiptView)
    .mutation(({ ctx, input }) => ctx.services.expenses.uploadReceipt(ctx, { file: input.file })),
});
