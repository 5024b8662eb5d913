import { DomainError } from '../errors/domain-error.js';
import type { ApprovalPolicyRecord, WorkflowFacts } from './approval.records.js';
import {
  type ApprovalKind,
  DEFAULT_DUE_AFTER_HOURS,
  type PolicyStage,
  type StageConditions,
} from './approval.schemas.js';

/**
 * Simple mode, exactly as the spec puts it: one approver from the kind's role
 * set; expenses go to Finance, then the CEO (so a claim past a category limit
 * needs the CEO too; a strict policy can keep the CEO for those alone, with a
 * stage `when: { overLimit: true }`). Those asked are reminded once
 * after a working day; nothing escalates or decides by itself (strict mode's stages can).
 */
export const SIMPLE_STAGES: Readonly<Record<ApprovalKind, readonly PolicyStage[]>> = {
  workLocation: [
    { name: 'Approval', approvers: ['hr', 'manager', 'director', 'projectLead'], rule: 'any', remindAfter: 24 },
  ],
  leave: [{ name: 'Approval', approvers: ['hr', 'manager', 'director', 'projectLead'], rule: 'any', remindAfter: 24 }],
  timeChange: [{ name: 'Approval', approvers: ['hr', 'manager', 'director'], rule: 'any', remindAfter: 24 }],
  expense: [
    { name: 'Finance', approvers: ['finance'], rule: 'any', remindAfter: 24 },
    { name: 'CEO', approvers: ['ceo'], rule: 'any', remindAfter: 24 },
  ],
  // Erasing someone's personal data cannot be undone: HR checks what must be kept, then an Admin.
  erasure: [
    { name: 'HR', approvers: ['hr'], rule: 'any', remindAfter: 24 },
    { name: 'Admin', approvers: ['admin'], rule: 'any', remindAfter: 24 },
  ],
};

/** The policy of a kind nobody has changed: simple mode, version 0. */
export function defaultPolicy(kind: ApprovalKind): ApprovalPolicyRecord {
  return { kind, mode: 'simple', stages: [], version: 0, updatedAt: null, updatedBy: null };
}

/** Which conditions make sense for which kind (an amount on a WFH request never holds). */
const CONDITION_KINDS: Record<keyof StageConditions, readonly ApprovalKind[]> = {
  minWorkingDays: ['workLocation', 'leave', 'timeChange'],
  maxWorkingDays: ['workLocation', 'leave', 'timeChange'],
  minAmountMinor: ['expense'],
  leaveTypes: ['leave'],
  departments: ['workLocation', 'leave', 'timeChange', 'expense'],
  workLocationTypes: ['workLocation'],
  overLimit: ['expense'],
};

function invalidStage(stage: number, field: string, message: string): DomainError {
  return new DomainError('APPROVAL_POLICY_INVALID', `Stage ${stage + 1}: ${message}`, {
    stage,
    field: `stages.${stage}.${field}`,
    message,
  });
}

/**
 * The checks a strict policy passes before it is stored; 422
 * APPROVAL_POLICY_INVALID naming the offending stage (index from 0) and field.
 */
export function assertValidPolicy(kind: ApprovalKind, stages: readonly PolicyStage[]): void {
  const names = new Set<string>();
  for (const [index, stage] of stages.entries()) {
    const name = stage.name.toLowerCase();
    if (names.has(name)) throw invalidStage(index, 'name', 'two stages have the same name');
    names.add(name);
    if (new Set(stage.approvers).size !== stage.approvers.length) {
      throw invalidStage(index, 'approvers', 'a role is named twice');
    }
    if (stage.rule === 'quorum' && stage.quorum === undefined) {
      throw invalidStage(index, 'quorum', 'a quorum stage needs `quorum` (how many approvals)');
    }
    if (stage.rule !== 'quorum' && stage.quorum !== undefined) {
      throw invalidStage(index, 'quorum', '`quorum` goes with rule `quorum` only');
    }
    if (stage.approvers.includes('projectLead') && kind === 'expense') {
      throw invalidStage(index, 'approvers', 'projectLead needs requested days, which expenses do not have');
    }
    if ((stage.escalateAfter === undefined) !== (stage.escalateTo === undefined)) {
      throw invalidStage(
        index,
        stage.escalateTo === undefined ? 'escalateTo' : 'escalateAfter',
        'escalateAfter and escalateTo go together',
      );
    }
    if (stage.escalateTo && new Set(stage.escalateTo).size !== stage.escalateTo.length) {
      throw invalidStage(index, 'escalateTo', 'a target is named twice');
    }
    if (
      stage.remindAfter !== undefined &&
      stage.escalateAfter !== undefined &&
      stage.remindAfter >= stage.escalateAfter
    ) {
      throw invalidStage(index, 'remindAfter', 'the reminder must come before the escalation');
    }
    const due = dueAfterHoursOf(stage);
    if (stage.onTimeout) {
      for (const field of ['remindAfter', 'escalateAfter'] as const) {
        const hours = stage[field];
        if (hours !== undefined && hours >= due) {
          throw invalidStage(index, field, `${field} must come before the final deadline (dueAfterHours, ${due})`);
        }
      }
    }
    const when = stage.when ?? {};
    for (const key of Object.keys(when) as (keyof StageConditions)[]) {
      if (!CONDITION_KINDS[key].includes(kind)) {
        throw invalidStage(index, `when.${key}`, `${key} does not apply to ${kind} requests`);
      }
    }
    if (
      when.minWorkingDays !== undefined &&
      when.maxWorkingDays !== undefined &&
      when.minWorkingDays > when.maxWorkingDays
    ) {
      throw invalidStage(index, 'when.maxWorkingDays', 'maxWorkingDays is below minWorkingDays');
    }
  }
}

/** Does the stage apply to a request with these facts? Every condition given must hold. */
export function stageApplies(stage: PolicyStage, facts: WorkflowFacts): boolean {
  const when = stage.when;
  if (!when) return true;
  const lower = (values: readonly string[]) => values.map((v) => v.toLowerCase());
  if (when.minWorkingDays !== undefined && (facts.workingDays ?? 0) < when.minWorkingDays) return false;
  if (when.maxWorkingDays !== undefined && (facts.workingDays ?? 0) > when.maxWorkingDays) return false;
  if (when.minAmountMinor !== undefined && (facts.amountMinor ?? 0) < when.minAmountMinor) return false;
  if (when.leaveTypes && !lower(when.leaveTypes).includes((facts.leaveType ?? '').toLowerCase())) return false;
  if (when.departments && !lower(when.departments).includes((facts.department ?? '').trim().toLowerCase())) {
    return false;
  }
  if (when.workLocationTypes && !(when.workLocationTypes as readonly string[]).includes(facts.workLocationType ?? '')) {
    return false;
  }
  if (when.overLimit !== undefined && (facts.overLimit ?? false) !== when.overLimit) return false;
  return true;
}

/**
 * The stages a request goes through under a policy: simple mode's fixed
 * stages, or the strict stages whose conditions hold. A strict policy none of
 * whose stages applies falls back to the simple stages, so no request is ever
 * approved by nobody.
 */
export function stagesFor(
  kind: ApprovalKind,
  policy: Pick<ApprovalPolicyRecord, 'mode' | 'stages'>,
  facts: WorkflowFacts,
) {
  const simple = SIMPLE_STAGES[kind];
  if (policy.mode === 'simple') return { stages: [...simple], fellBack: false };
  const applying = policy.stages.filter((stage) => stageApplies(stage, facts));
  return applying.length > 0 ? { stages: applying, fellBack: false } : { stages: [...simple], fellBack: true };
}

export const dueAfterHoursOf = (stage: PolicyStage) => stage.dueAfterHours ?? DEFAULT_DUE_AFTER_HOURS;
