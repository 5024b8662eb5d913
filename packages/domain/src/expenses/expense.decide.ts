import { DomainError } from '../errors/domain-error.js';
import type {
  ExpenseRecord,
  ExpenseReportRow,
  ExpenseStatus,
  LimitCheckRecord,
  StoredExpenseStatus,
} from './expense.schemas.js';
import type { ExchangeRateRecord, ExpenseCategoryRecord } from './expense-setup.schemas.js';
import { convert, formatMinor, type Money, parseRate } from './money.js';

/**
 * The rate in force on a day: the latest entry on or before it, for the base
 * currency in force (rates set under another base do not apply), or null.
 */
export function rateOn(
  rates: readonly Pick<ExchangeRateRecord, 'currency' | 'base' | 'date' | 'rate'>[],
  currency: string,
  base: string,
  day: string,
): Pick<ExchangeRateRecord, 'date' | 'rate'> | null {
  let best: Pick<ExchangeRateRecord, 'date' | 'rate'> | null = null;
  for (const r of rates) {
    if (r.currency !== currency || r.base !== base || r.date > day) continue;
    if (!best || r.date > best.date) best = r;
  }
  return best;
}

/**
 * An amount in the base currency at the rate in force on `day` (itself when it
 * is in the base currency); 422 EXCHANGE_RATE_MISSING when no rate is set.
 */
export function toBaseCurrency(
  amount: Money,
  base: string,
  day: string,
  rates: readonly Pick<ExchangeRateRecord, 'currency' | 'base' | 'date' | 'rate'>[],
): { amount: Money; rate: string | null; rateDate: string | null } {
  if (amount.currency === base) return { amount: { ...amount }, rate: null, rateDate: null };
  const found = rateOn(rates, amount.currency, base, day);
  const rate = found ? parseRate(found.rate) : null;
  if (!found || !rate) {
    throw new DomainError(
      'EXCHANGE_RATE_MISSING',
      `No ${amount.currency} to ${base} rate is set for ${day} or before`,
      {
        currency: amount.currency,
        base,
        date: day,
      },
    );
  }
  return { amount: convert(amount, rate, base), rate: found.rate, rateDate: found.date };
}

// ---- Claims ----

/** A claim's state as clients see it: the approval's steps told apart by Finance's approval. */
export function expenseStatusOf(r: Pick<ExpenseRecord, 'status' | 'financeApprovedAt'>): ExpenseStatus {
  if (r.status === 'pending') return r.financeApprovedAt ? 'financeApproved' : 'submitted';
  return r.status;
}

/** The stored states a client's status filter means. */
export function storedStatusesOf(status: ExpenseStatus): { status: StoredExpenseStatus; financeApproved?: boolean } {
  if (status === 'submitted') return { status: 'pending', financeApproved: false };
  if (status === 'financeApproved') return { status: 'pending', financeApproved: true };
  return { status };
}

/** The states whose amounts count against a per-month limit. */
export const COUNTED_STATUSES: readonly StoredExpenseStatus[] = ['pending', 'approved', 'reimbursed'];

/** One line for inboxes and notifications: "Travel · 120.00 USD · 2026-11-03". */
export function expenseSummary(category: { name: string }, r: Pick<ExpenseRecord, 'amount' | 'expenseDate'>): string {
  return `${category.name} · ${formatMinor(r.amount)} ${r.amount.currency} · ${r.expenseDate}`;
}

/**
 * The category limits a claim is checked against at submission, in base
 * minor units: per item, and per person and calendar month of the expense
 * date counting the person's other pending, approved and reimbursed claims of
 * the category (`othersInMonthMinor`). Past a limit is not refused; the claim
 * is `overLimit` and the policy routes it.
 */
export function checkLimits(
  category: Pick<ExpenseCategoryRecord, 'perItemLimitMinor' | 'perMonthLimitMinor'>,
  baseMinor: number,
  month: string,
  othersInMonthMinor: number,
): LimitCheckRecord {
  const perItem =
    category.perItemLimitMinor === null
      ? null
      : {
          limitMinor: category.perItemLimitMinor,
          amountMinor: baseMinor,
          exceeded: baseMinor > category.perItemLimitMinor,
        };
  const monthMinor = othersInMonthMinor + baseMinor;
  const perMonth =
    category.perMonthLimitMinor === null
      ? null
      : {
          month,
          limitMinor: category.perMonthLimitMinor,
          monthMinor,
          exceeded: monthMinor > category.perMonthLimitMinor,
        };
  return { perItem, perMonth, overLimit: Boolean(perItem?.exceeded || perMonth?.exceeded) };
}

/**
 * What a submission must satisfy before its limits are checked: an active
 * category, a day already past or today, and a receipt when the category asks
 * for one above an amount (0: always).
 */
export function assertSubmittable(input: {
  category: Pick<ExpenseCategoryRecord, 'id' | 'archived' | 'receiptRequiredAboveMinor'>;
  expenseDate: string;
  today: string;
  baseMinor: number;
  receipts: number;
}): void {
  const { category, expenseDate, today, baseMinor, receipts } = input;
  if (category.archived) {
    throw new DomainError('EXPENSE_CATEGORY_ARCHIVED', 'This category is archived and takes no new claims', {
      categoryId: category.id,
    });
  }
  if (expenseDate > today) {
    throw new DomainError('EXPENSE_DATE_IN_FUTURE', 'The expense date is after today', { expenseDate, today });
  }
  const threshold = category.receiptRequiredAboveMinor;
  if (threshold !== null && receipts === 0 && (threshold === 0 || baseMinor > threshold)) {
    throw new DomainError('RECEIPT_REQUIRED', 'Claims of this category and amount need a receipt', {
      categoryId: category.id,
      thresholdMinor: threshold,
      amountMinor: baseMinor,
    });
  }
}

/** The owner changes or submits a draft; 409 EXPENSE_NOT_DRAFT otherwise (someone else: 403). */
export function assertExpenseEditable(r: Pick<ExpenseRecord, 'userId' | 'status'>, actorId: string): void {
  if (r.userId !== actorId) {
    throw new DomainError('FORBIDDEN', 'Only the claimant changes a claim', { userId: r.userId });
  }
  if (r.status !== 'draft') {
    throw new DomainError('EXPENSE_NOT_DRAFT', 'Only a draft claim is changed or submitted', {
      status: expenseStatusOf({ status: r.status, financeApprovedAt: null }),
    });
  }
}

/** How a cancellation is carried out. */
export type ExpenseCancel =
  | { kind: 'draft' }
  /** Through the engine: the owner withdraws (no decision yet), or Finance cancels on their behalf. */
  | { kind: 'workflow'; onBehalf: boolean }
  /** Approved and not yet paid: Finance cancels the claim (its workflow is closed). */
  | { kind: 'approved' };

/**
 * Who cancels what: the owner a draft, or a submitted claim before anyone
 * decided it; after a decision (and once approved, until it is reimbursed)
 * only Finance. 409 EXPENSE_NOT_CANCELLABLE otherwise, saying who still may.
 */
export function decideExpenseCancel(input: {
  claim: Pick<ExpenseRecord, 'userId' | 'status' | 'financeApprovedAt'>;
  actorId: string;
  isFinance: boolean;
  decisions: number;
}): ExpenseCancel {
  const { claim, actorId, isFinance, decisions } = input;
  const owner = claim.userId === actorId;
  const refuse = (by: 'finance' | null) =>
    new DomainError(
      'EXPENSE_NOT_CANCELLABLE',
      by ? 'Once decided, only Finance cancels this claim' : `A claim that is ${expenseStatusOf(claim)} stays so`,
      { status: expenseStatusOf(claim), by },
    );
  switch (claim.status) {
    case 'draft':
      if (owner) return { kind: 'draft' };
      throw new DomainError('FORBIDDEN', 'Only the claimant cancels a draft', {});
    case 'pending':
      if (owner && decisions === 0) return { kind: 'workflow', onBehalf: false };
      if (isFinance && !owner) return { kind: 'workflow', onBehalf: true };
      throw refuse('finance');
    case 'approved':
      if (isFinance && !owner) return { kind: 'approved' };
      throw refuse('finance');
    default:
      throw refuse(null);
  }
}

/** The stage of a claim's workflow an endpoint decides: the one asking Finance, or the CEO. */
export type ExpenseStageRole = 'finance' | 'ceo';

/** What the stage check needs of a workflow. */
export interface ExpenseWorkflowFacts {
  state: string;
  round: number;
  currentStage: number | null;
  stages: readonly { index: number; name: string; approvers: readonly string[]; state: string }[];
  decisions: readonly { round: number; stage: number; by: string | null }[];
}

/**
 * Which stage `finance-*` and `ceo-*` decide, in order: the stage asking that
 * role must be in the workflow (409 STAGE_NOT_IN_WORKFLOW) and reached (409
 * STAGE_NOT_REACHED: the CEO before Finance), and whoever decided another
 * stage of this round does not decide this one too (409
 * ONE_STAGE_PER_APPROVER). The engine then checks the rest (asked, self,
 * twice, closed).
 */
export function expenseStageFor(workflow: ExpenseWorkflowFacts, role: ExpenseStageRole, actorId: string): number {
  const stage = workflow.stages.find((s) => s.approvers.includes(role));
  if (!stage) {
    throw new DomainError('STAGE_NOT_IN_WORKFLOW', `This claim has no ${role === 'ceo' ? 'CEO' : 'Finance'} stage`, {
      stage: role,
      stages: workflow.stages.map((s) => s.name),
    });
  }
  if (workflow.state === 'pending' && workflow.currentStage !== null && stage.index > workflow.currentStage) {
    const current = workflow.stages[workflow.currentStage];
    throw new DomainError('STAGE_NOT_REACHED', `The ${stage.name} stage comes after ${current?.name ?? 'another'}`, {
      stage: stage.name,
      currentStage: current?.name ?? null,
    });
  }
  const earlier = workflow.decisions.find(
    (d) => d.round === workflow.round && d.stage !== stage.index && d.by === actorId,
  );
  if (earlier) {
    throw new DomainError(
      'ONE_STAGE_PER_APPROVER',
      'You decided another stage of this claim; someone else decides this one',
      {
        decidedStage: workflow.stages[earlier.stage]?.name ?? earlier.stage,
      },
    );
  }
  return stage.index;
}

/** Finance records the payment of an approved claim; 409 EXPENSE_NOT_APPROVED otherwise. */
export function assertReimbursable(claim: Pick<ExpenseRecord, 'status' | 'financeApprovedAt'>): void {
  if (claim.status !== 'approved') {
    throw new DomainError('EXPENSE_NOT_APPROVED', 'Only an approved claim is reimbursed', {
      status: expenseStatusOf(claim),
    });
  }
}

// ---- The report ----

export interface ExpenseReportLine {
  status: StoredExpenseStatus;
  baseMinor: number;
  expenseDate: string;
  category: { key: string; label: string };
  department: string | null;
  project: { key: string; label: string } | null;
}

type Figures = Omit<ExpenseReportRow, 'key' | 'label'>;
const emptyFigures = (): Figures => ({
  pendingMinor: 0,
  approvedMinor: 0,
  reimbursedMinor: 0,
  totalMinor: 0,
  claims: 0,
});

function add(figures: Figures, line: ExpenseReportLine): void {
  if (line.status === 'pending') figures.pendingMinor += line.baseMinor;
  else if (line.status === 'approved') figures.approvedMinor += line.baseMinor;
  else if (line.status === 'reimbursed') figures.reimbursedMinor += line.baseMinor;
  else return;
  figures.totalMinor += line.baseMinor;
  figures.claims += 1;
}

/**
 * Totals of submitted claims (pending, approved, reimbursed) in base minor
 * units, by category, department, project and month; rows sorted by total,
 * then label (months by month). Integer sums: nothing drifts.
 */
export function expenseReport(lines: readonly ExpenseReportLine[]) {
  const groups = {
    byCategory: new Map<string, ExpenseReportRow>(),
    byDepartment: new Map<string, ExpenseReportRow>(),
    byProject: new Map<string, ExpenseReportRow>(),
    byMonth: new Map<string, ExpenseReportRow>(),
  };
  const totals = emptyFigures();
  const into = (map: Map<string, ExpenseReportRow>, key: string, label: string, line: ExpenseReportLine) => {
    let row = map.get(key);
    if (!row) {
      row = { key, label, ...emptyFigures() };
      map.set(key, row);
    }
    add(row, line);
  };
  for (const line of lines) {
    add(totals, line);
    into(groups.byCategory, line.category.key, line.category.label, line);
    const department = line.department?.trim() || null;
    into(groups.byDepartment, department?.toLowerCase() ?? 'none', department ?? 'No department', line);
    into(groups.byProject, line.project?.key ?? 'none', line.project?.label ?? 'No project', line);
    const month = line.expenseDate.slice(0, 7);
    into(groups.byMonth, month, month, line);
  }
  const ranked = (map: Map<string, ExpenseReportRow>) =>
    [...map.values()].sort((a, b) => b.totalMinor - a.totalMinor || a.label.localeCompare(b.label));
  return {
    byCategory: ranked(groups.byCategory),
    byDepartment: ranked(groups.byDepartment),
    byProject: ranked(groups.byProject),
    byMonth: [...groups.byMonth.values()].sort((a, b) => a.key.localeCompare(b.key)),
    totals,
  };
}
