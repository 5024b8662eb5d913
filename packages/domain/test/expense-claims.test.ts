import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkLimits,
  decideExpenseCancel,
  type ExpenseReportLine,
  type ExpenseWorkflowFacts,
  expenseReport,
  expenseStageFor,
  expenseStatusOf,
  isDomainError,
  stagesFor,
} from '../src/index.js';

const codeOf = (fn: () => unknown) => {
  try {
    fn();
    return null;
  } catch (error) {
    return isDomainError(error) ? error.code : String(error);
  }
};

describe('limits', () => {
  it('per item and per month, with the month counting the other claims; either makes the claim over limit', () => {
    const category = { perItemLimitMinor: 10_000, perMonthLimitMinor: 30_000 };
    expect(checkLimits(category, 10_000, '2026-03', 20_000)).toEqual({
      perItem: { limitMinor: 10_000, amountMinor: 10_000, exceeded: false },
      perMonth: { month: '2026-03', limitMinor: 30_000, monthMinor: 30_000, exceeded: false },
      overLimit: false,
    });
    expect(checkLimits(category, 10_001, '2026-03', 0).overLimit).toBe(true);
    expect(checkLimits(category, 5_000, '2026-03', 25_001)).toMatchObject({
      perItem: { exceeded: false },
      perMonth: { exceeded: true },
      overLimit: true,
    });
    expect(checkLimits({ perItemLimitMinor: null, perMonthLimitMinor: null }, 9e9, '2026-03', 9e9)).toEqual({
      perItem: null,
      perMonth: null,
      overLimit: false,
    });
  });

  it('an over-limit claim meets the stage that names it; in simple mode every claim goes to Finance, then the CEO', () => {
    const facts = { workingDays: null, amountMinor: 100, leaveType: null, workLocationType: null, department: null };
    const strict = {
      mode: 'strict' as const,
      stages: [
        { name: 'Finance', approvers: ['finance' as const], rule: 'any' as const },
        { name: 'CEO', approvers: ['ceo' as const], rule: 'any' as const, when: { overLimit: true } },
      ],
    };
    expect(stagesFor('expense', strict, { ...facts, overLimit: true }).stages.map((s) => s.name)).toEqual([
      'Finance',
      'CEO',
    ]);
    expect(stagesFor('expense', strict, { ...facts, overLimit: false }).stages.map((s) => s.name)).toEqual(['Finance']);
    expect(
      stagesFor('expense', { mode: 'simple', stages: [] }, { ...facts, overLimit: false }).stages.map((s) => s.name),
    ).toEqual(['Finance', 'CEO']);
  });
});

describe('states and who cancels', () => {
  it('the approval’s two steps show as submitted and financeApproved', () => {
    expect(expenseStatusOf({ status: 'pending', financeApprovedAt: null })).toBe('submitted');
    expect(expenseStatusOf({ status: 'pending', financeApprovedAt: new Date() })).toBe('financeApproved');
    expect(expenseStatusOf({ status: 'reimbursed', financeApprovedAt: new Date() })).toBe('reimbursed');
  });

  it('the claimant before any decision, Finance after it, nobody once paid', () => {
    const claim = (status: 'draft' | 'pending' | 'approved' | 'reimbursed' | 'rejected') => ({
      userId: 'owner',
      status,
      financeApprovedAt: null,
    });
    const cancel =
      (status: Parameters<typeof claim>[0], actorId: string, isFinance: boolean, decisions = 0) =>
      () =>
        decideExpenseCancel({ claim: claim(status), actorId, isFinance, decisions });
    expect(cancel('draft', 'owner', false)()).toEqual({ kind: 'draft' });
    expect(codeOf(cancel('draft', 'finance', true))).toBe('FORBIDDEN');
    expect(cancel('pending', 'owner', false)()).toEqual({ kind: 'workflow', onBehalf: false });
    expect(codeOf(cancel('pending', 'owner', false, 1))).toBe('EXPENSE_NOT_CANCELLABLE');
    expect(cancel('pending', 'finance', true, 1)()).toEqual({ kind: 'workflow', onBehalf: true });
    expect(codeOf(cancel('pending', 'other', false))).toBe('EXPENSE_NOT_CANCELLABLE');
    expect(cancel('approved', 'finance', true)()).toEqual({ kind: 'approved' });
    expect(codeOf(cancel('approved', 'owner', true))).toBe('EXPENSE_NOT_CANCELLABLE');
    expect(codeOf(cancel('reimbursed', 'finance', true))).toBe('EXPENSE_NOT_CANCELLABLE');
    expect(codeOf(cancel('rejected', 'owner', false))).toBe('EXPENSE_NOT_CANCELLABLE');
  });
});

describe('stage order', () => {
  const workflow = (currentStage: number | null, decisions: ExpenseWorkflowFacts['decisions'] = []) => ({
    state: currentStage === null ? 'approved' : 'pending',
    round: 1,
    currentStage,
    stages: [
      { index: 0, name: 'Finance', approvers: ['finance'], state: currentStage === 0 ? 'active' : 'approved' },
      { index: 1, name: 'CEO', approvers: ['ceo'], state: currentStage === 1 ? 'active' : 'waiting' },
    ],
    decisions,
  });

  it('the CEO after Finance; never both by one person; no stage the workflow lacks', () => {
    expect(expenseStageFor(workflow(0), 'finance', 'f')).toBe(0);
    expect(codeOf(() => expenseStageFor(workflow(0), 'ceo', 'c'))).toBe('STAGE_NOT_REACHED');
    const afterFinance = workflow(1, [{ round: 1, stage: 0, by: 'both' }]);
    expect(expenseStageFor(afterFinance, 'ceo', 'c')).toBe(1);
    expect(codeOf(() => expenseStageFor(afterFinance, 'ceo', 'both'))).toBe('ONE_STAGE_PER_APPROVER');
    // A decision of an earlier round does not count.
    expect(expenseStageFor({ ...afterFinance, round: 2 }, 'ceo', 'both')).toBe(1);
    const financeOnly = { ...workflow(0), stages: [workflow(0).stages[0] as ExpenseWorkflowFacts['stages'][number]] };
    expect(codeOf(() => expenseStageFor(financeOnly, 'ceo', 'c'))).toBe('STAGE_NOT_IN_WORKFLOW');
  });
});

describe('the expense report', () => {
  const line = fc.record({
    status: fc.constantFrom('pending', 'approved', 'reimbursed', 'cancelled', 'rejected', 'draft') as fc.Arbitrary<
      ExpenseReportLine['status']
    >,
    baseMinor: fc.integer({ min: 1, max: 10_000_000_000 }),
    expenseDate: fc.constantFrom('2026-01-05', '2026-02-10', '2026-02-28', '2026-03-01'),
    category: fc.constantFrom({ key: 'a', label: 'Travel' }, { key: 'b', label: 'Meals' }),
    department: fc.constantFrom(null, 'Sales', 'sales ', 'R&D'),
    project: fc.constantFrom(null, { key: 'p', label: 'Apollo' }),
  });

  it('every grouping sums to the totals exactly, in integers; only submitted claims count', () => {
    fc.assert(
      fc.property(fc.array(line, { maxLength: 60 }), (lines) => {
        const report = expenseReport(lines);
        const counted = lines.filter((l) => ['pending', 'approved', 'reimbursed'].includes(l.status));
        const total = counted.reduce((sum, l) => sum + l.baseMinor, 0);
        expect(report.totals.totalMinor).toBe(total);
        expect(report.totals.claims).toBe(counted.length);
        expect(report.totals.pendingMinor + report.totals.approvedMinor + report.totals.reimbursedMinor).toBe(total);
        for (const rows of [report.byCategory, report.byDepartment, report.byProject, report.byMonth]) {
          expect(rows.reduce((sum, r) => sum + r.totalMinor, 0)).toBe(total);
          expect(rows.reduce((sum, r) => sum + r.claims, 0)).toBe(counted.length);
          for (const r of rows) expect(Number.isInteger(r.totalMinor)).toBe(true);
        }
        // Departments meet whatever their case and spacing.
        expect(report.byDepartment.filter((r) => r.label.trim().toLowerCase() === 'sales').length).toBeLessThanOrEqual(
          1,
        );
        expect(report.byMonth.map((r) => r.key)).toEqual([...report.byMonth.map((r) => r.key)].sort());
      }),
    );
  });
});
