import type { ExpenseCategoryRecord, LimitCheckRecord, StoredExpenseStatus } from '@seed-pms/domain';
import type { ObjectId } from 'mongodb';
import type { EngineRequestDoc } from '../approvals/request-kind.js';
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

/** A claim (spec: expense_requests). Amounts in minor units; `month` is the expense date's YYYY-MM. */
export interface ExpenseDoc extends EngineRequestDoc {
  categoryId: ObjectId;
  amount: { minor: number; currency: string };
  base: { minor: number; currency: string } | null;
  rate: string | null;
  rateDate: string | null;
  expenseDate: string;
  month: string;
  description: string;
  projectId: ObjectId | null;
  receiptFileIds: ObjectId[];
  status: StoredExpenseStatus;
  limits: LimitCheckRecord | null;
  workflowId: ObjectId | null;
  submittedAt: Date | null;
  financeApprovedAt: Date | null;
  decidedAt: Date | null;
  rejectionReason: string | null;
  cancelledAt: Date | null;
  cancelledBy: ObjectId | null;
  cancelReason: string | null;
  reimbursement: { paidOn: string; reference: string; by: ObjectId; at: Date } | null;
}

export const expensesCollection = defineCollection<ExpenseDoc>('expense_requests', [
  { name: 'user_category_month', key: { userId: 1, categoryId: 1, month: 1 } },
  { name: 'approvers', key: { approverIds: 1 } },
  { name: 'status_expense_date', key: { status: 1, expenseDate: 1 } },
  { name: 'expense_date', key: { expenseDate: 1, _id: 1 } },
  { name: 'receipts', key: { receiptFileIds: 1 } },
  { name: 'status_submitted', key: { status: 1, submittedAt: 1 } },
]);

/**
 * A receipt file (spec: expense_attachments): `_id` is the file's id,
 * `uploadKey` the owner id its file was stored under (the claim it was
 * uploaded to, or a key of its own for one uploaded before its claim).
 */
export interface ExpenseAttachmentDoc {
  _id: ObjectId;
  uploadKey: ObjectId;
  uploadedBy: ObjectId;
  createdAt: Date;
}

export const expenseAttachmentsCollection = defineCollection<ExpenseAttachmentDoc>('expense_attachments', [
  { name: 'upload_key', key: { uploadKey: 1 } },
]);
