import { z } from 'zod';
import {
  RequestDecisionInput,
  RequestRejectInput,
  WorkflowSummaryView,
  WorkflowView,
} from '../approvals/approval.schemas.js';
import { CalendarDay, ExpectedVersion, Id, Instant, PageQuery, QueryInt, SortOf } from '../common/common.schemas.js';
import { singleLine } from '../common/text.js';
import { PersonRef } from '../employees/employee.schemas.js';
import { FileStatus } from '../files/file.schemas.js';
import { CurrencyCode } from './expense-setup.schemas.js';

/**
 * A claim's states. `submitted` and `financeApproved` are the two steps of its
 * approval (stored as `pending` with the day Finance approved); `reimbursed`
 * follows `approved` when Finance records the payment.
 */
export const EXPENSE_STATUSES = [
  'draft',
  'submitted',
  'financeApproved',
  'approved',
  'rejected',
  'cancelled',
  'reimbursed',
] as const;
export const ExpenseStatus = z.enum(EXPENSE_STATUSES).meta({ id: 'ExpenseStatus' });
export type ExpenseStatus = z.infer<typeof ExpenseStatus>;

/** How a claim is stored: the approval's two steps are one `pending` (see `financeApprovedAt`). */
export type StoredExpenseStatus = 'draft' | 'pending' | 'approved' | 'rejected' | 'cancelled' | 'reimbursed';

/** The most one claim may be, in minor units (a billion in the major unit). */
const MAX_MINOR = 100_000_000_000;

export const MoneyInput = z
  .strictObject({
    minor: z
      .number()
      .int('must be a whole number of minor units (cents)')
      .min(1, 'must be more than zero')
      .max(MAX_MINOR),
    currency: CurrencyCode,
  })
  .meta({ id: 'MoneyInput', description: 'An amount in minor units (cents for EUR) of an ISO 4217 currency.' });

export const MoneyView = z
  .object({
    minor: z.number().int(),
    currency: CurrencyCode,
    formatted: z.string().meta({ description: 'The amount in major units, e.g. "12.50" (no currency sign).' }),
  })
  .meta({ id: 'Money' });
export type MoneyView = z.infer<typeof MoneyView>;

export const MAX_RECEIPTS = 10;
const Description = z.string().trim().min(1).max(2000);
const ReceiptFileIds = z
  .array(Id)
  .max(MAX_RECEIPTS)
  .meta({
    description: `Receipts uploaded earlier (POST /expenses/receipts or another of your claims), at most ${MAX_RECEIPTS}.`,
  });

export const CreateExpenseInput = z.strictObject({
  categoryId: Id,
  amount: MoneyInput,
  expenseDate: CalendarDay.meta({ description: 'When the money was spent; its rate converts the amount.' }),
  description: Description,
  projectId: Id.optional(),
  receiptFileIds: ReceiptFileIds.optional(),
  submit: z.boolean().optional().meta({ description: 'Submit at once (default: keep a draft).' }),
});
export type CreateExpenseInput = z.infer<typeof CreateExpenseInput>;

export const UpdateExpenseInput = z
  .strictObject({
    id: Id,
    version: ExpectedVersion,
    action: z.literal('submit').optional().meta({ description: 'Submit the draft (with any changes sent beside it).' }),
    categoryId: Id.optional(),
    amount: MoneyInput.optional(),
    expenseDate: CalendarDay.optional(),
    description: Description.optional(),
    projectId: Id.nullable().optional(),
    receiptFileIds: ReceiptFileIds.optional().meta({
      description: 'The receipts the claim keeps (replaces the list).',
    }),
  })
  .meta({ id: 'UpdateExpense' });
export type UpdateExpenseInput = z.infer<typeof UpdateExpenseInput>;

export const CancelExpenseInput = z.strictObject({
  id: Id,
  reason: singleLine(z.string().trim().min(1).max(500)).optional(),
});
export type CancelExpenseInput = z.infer<typeof CancelExpenseInput>;

export const ExpenseDecisionInput = RequestDecisionInput;
export type ExpenseDecisionInput = RequestDecisionInput;
export const ExpenseRejectInput = RequestRejectInput;
export type ExpenseRejectInput = RequestRejectInput;

export const ReimburseExpenseInput = z.strictObject({
  id: Id,
  paidOn: CalendarDay.meta({ description: 'The day the money was paid.' }),
  reference: singleLine(z.string().trim().min(1).max(100)).meta({ description: 'The payment’s reference.' }),
});
export type ReimburseExpenseInput = z.infer<typeof ReimburseExpenseInput>;

export const EXPENSE_SORTS = ['expenseDate', '-expenseDate', 'createdAt', '-createdAt', 'amount', '-amount'] as const;

export const ListExpensesQuery = PageQuery.extend({
  status: ExpenseStatus.optional(),
  categoryId: Id.optional(),
  userId: Id.optional(),
  projectId: Id.optional(),
  from: CalendarDay.optional().meta({ description: 'Spent on or after this day.' }),
  to: CalendarDay.optional().meta({ description: 'Spent on or before this day.' }),
  minAmountMinor: QueryInt(0, MAX_MINOR).optional().meta({ description: 'In minor units of the base currency.' }),
  maxAmountMinor: QueryInt(0, MAX_MINOR).optional().meta({ description: 'In minor units of the base currency.' }),
  sort: SortOf(EXPENSE_SORTS).default('-expenseDate').meta({ description: '`amount` sorts by the base amount.' }),
}).refine((q) => !q.from || !q.to || q.from <= q.to, { message: 'to must not be before from', path: ['to'] });
export type ListExpensesQuery = z.infer<typeof ListExpensesQuery>;

export const ExpenseApprovalsQuery = PageQuery.extend({});
export type ExpenseApprovalsQuery = z.infer<typeof ExpenseApprovalsQuery>;

/** A category limit a claim was checked against at submission (base minor units). */
export interface LimitCheckRecord {
  perItem: { limitMinor: number; amountMinor: number; exceeded: boolean } | null;
  perMonth: { month: string; limitMinor: number; monthMinor: number; exceeded: boolean } | null;
  overLimit: boolean;
}

export const LimitCheckView = z
  .object({
    perItem: z
      .object({ limitMinor: z.number().int(), amountMinor: z.number().int(), exceeded: z.boolean() })
      .nullable()
      .meta({ description: 'The category’s per-claim limit and this claim’s base amount; null: no limit.' }),
    perMonth: z
      .object({
        month: z.string().meta({ description: 'YYYY-MM of the expense date.' }),
        limitMinor: z.number().int(),
        monthMinor: z.number().int().meta({
          description:
            'The person’s pending, approved and reimbursed claims of the category that month, this one included.',
        }),
        exceeded: z.boolean(),
      })
      .nullable(),
    overLimit: z.boolean().meta({
      description: 'Past a limit: not refused, but routed through the policy’s over-limit stage (default: the CEO).',
    }),
  })
  .meta({ id: 'ExpenseLimitCheck' });

export const ReimbursementView = z
  .object({ paidOn: CalendarDay, reference: z.string(), by: PersonRef, at: Instant })
  .meta({ id: 'ExpenseReimbursement' });

export const ExpenseView = z
  .object({
    id: Id,
    user: PersonRef,
    category: z.object({ id: Id, name: z.string(), code: z.string() }),
    amount: MoneyView.meta({ description: 'As claimed.' }),
    baseAmount: MoneyView.nullable().meta({
      description: 'In the base currency at the rate of the expense date; null while a draft has no rate.',
    }),
    rate: z.string().nullable().meta({ description: 'The rate used (null in the base currency).' }),
    rateDate: CalendarDay.nullable().meta({ description: 'The day the rate used is set for.' }),
    expenseDate: CalendarDay,
    description: z.string(),
    project: z.object({ id: Id, name: z.string() }).nullable(),
    status: ExpenseStatus,
    limits: LimitCheckView.nullable().meta({ description: 'The limit check of the submission; null for drafts.' }),
    receiptCount: z.number().int(),
    workflowId: Id.nullable(),
    approval: WorkflowSummaryView.nullable(),
    submittedAt: Instant.nullable(),
    financeApprovedAt: Instant.nullable(),
    decidedAt: Instant.nullable(),
    rejectionReason: z.string().nullable(),
    cancelledAt: Instant.nullable(),
    cancelledBy: PersonRef.nullable(),
    cancelReason: z.string().nullable(),
    reimbursement: ReimbursementView.nullable(),
    version: z.number().int(),
    createdAt: Instant,
    updatedAt: Instant,
  })
  .meta({ id: 'Expense' });
export type ExpenseView = z.infer<typeof ExpenseView>;

export const ReceiptView = z
  .object({
    fileId: Id,
    name: z.string(),
    contentType: z.string(),
    size: z.number().int(),
    status: FileStatus,
    url: z.string().nullable().meta({ description: 'A short-lived download link; null until the file is servable.' }),
    expiresAt: Instant.nullable(),
    uploadedAt: Instant,
  })
  .meta({ id: 'ExpenseReceipt' });
export type ReceiptView = z.infer<typeof ReceiptView>;

export const ExpenseDetailView = ExpenseView.extend({
  receipts: z.array(ReceiptView),
  workflow: WorkflowView.nullable().meta({ description: 'The approval timeline; null for drafts.' }),
}).meta({ id: 'ExpenseDetail' });
export type ExpenseDetailView = z.infer<typeof ExpenseDetailView>;

export const ExpenseApprovalItem = ExpenseView.extend({
  stage: z.string().meta({ description: 'The stage you are asked to decide (Finance, CEO…).' }),
}).meta({ id: 'ExpenseApproval' });
export type ExpenseApprovalItem = z.infer<typeof ExpenseApprovalItem>;

export const CurrencyTotal = z.object({ currency: CurrencyCode, minor: z.number().int(), claims: z.number().int() });

export const ExpenseApprovalsView = z
  .object({
    claims: z.object({
      items: z.array(ExpenseApprovalItem),
      total: z.number().int(),
      page: z.number().int(),
      limit: z.number().int(),
    }),
    totals: z.object({
      byCurrency: z.array(CurrencyTotal).meta({ description: 'Your whole queue, per claimed currency.' }),
      base: CurrencyTotal.meta({ description: 'Your whole queue in the base currency.' }),
    }),
  })
  .meta({ id: 'ExpenseApprovals' });
export type ExpenseApprovalsView = z.infer<typeof ExpenseApprovalsView>;

export const ExpenseReportQuery = z
  .strictObject({
    from: CalendarDay.optional().meta({ description: 'The first of to’s month by default.' }),
    to: CalendarDay.optional().meta({ description: 'Today by default.' }),
    department: z.string().trim().min(1).max(100).optional(),
    categoryId: Id.optional(),
    status: z.enum(['pending', 'approved', 'reimbursed']).optional(),
    format: z.enum(['json', 'csv']).default('json'),
  })
  .refine((v) => !v.from || !v.to || v.from <= v.to, { message: 'to must not be before from', path: ['to'] });
export type ExpenseReportQuery = z.infer<typeof ExpenseReportQuery>;

const ReportFigures = {
  pendingMinor: z.number().int(),
  approvedMinor: z.number().int().meta({ description: 'Approved and not yet reimbursed.' }),
  reimbursedMinor: z.number().int(),
  totalMinor: z.number().int(),
  claims: z.number().int(),
};
const ReportRow = z.object({ key: z.string(), label: z.string(), ...ReportFigures });

export const ExpenseReportView = z
  .object({
    from: CalendarDay,
    to: CalendarDay,
    currency: CurrencyCode.meta({ description: 'The base currency every figure is in (minor units).' }),
    generatedAt: Instant,
    byCategory: z.array(ReportRow),
    byDepartment: z.array(ReportRow),
    byProject: z.array(ReportRow).meta({ description: 'Key `none` for claims without a project.' }),
    byMonth: z.array(ReportRow).meta({ description: 'Key YYYY-MM of the expense date.' }),
    totals: z.object(ReportFigures),
  })
  .meta({ id: 'ExpenseReport' });
export type ExpenseReportView = z.infer<typeof ExpenseReportView>;
export type ExpenseReportRow = z.infer<typeof ReportRow>;

/** A claim as the server holds it. */
export interface ExpenseRecord {
  id: string;
  userId: string;
  categoryId: string;
  amount: { minor: number; currency: string };
  base: { minor: number; currency: string } | null;
  rate: string | null;
  rateDate: string | null;
  expenseDate: string;
  description: string;
  projectId: string | null;
  receiptFileIds: string[];
  status: StoredExpenseStatus;
  limits: LimitCheckRecord | null;
  workflowId: string | null;
  submittedAt: Date | null;
  financeApprovedAt: Date | null;
  decidedAt: Date | null;
  rejectionReason: string | null;
  cancelledAt: Date | null;
  cancelledBy: string | null;
  cancelReason: string | null;
  reimbursement: { paidOn: string; reference: string; by: string; at: Date } | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}
