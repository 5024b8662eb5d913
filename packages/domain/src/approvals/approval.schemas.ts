import { z } from 'zod';
import { CalendarDay, Id, Instant, PageQuery, QueryFlag, SortOf } from '../common/common.schemas.js';
import { singleLine } from '../common/text.js';
import { PersonRef } from '../employees/employee.schemas.js';

/**
 * The request kinds the approvals engine decides. A kind joins through one
 * registration (packages/api/src/approvals/approval-kinds.ts); its policy is
 * kept under the same name.
 */
export const APPROVAL_KINDS = ['workLocation', 'leave', 'timeChange', 'expense', 'erasure'] as const;
export const ApprovalKind = z.enum(APPROVAL_KINDS).meta({ id: 'ApprovalKind' });
export type ApprovalKind = z.infer<typeof ApprovalKind>;

/**
 * Who a stage asks. Relations: `manager` is the nearest person up the
 * requester's management chain holding the Manager role (or above);
 * `director` every Director (or above) in the chain; `projectLead` every lead
 * of a project the requester is allocated to on a requested day; `hr`,
 * `finance`, `ceo` and `admin` everyone holding the role, organisation-wide.
 */
export const APPROVER_ROLES = ['manager', 'director', 'projectLead', 'hr', 'finance', 'ceo', 'admin'] as const;
export const ApproverRole = z.enum(APPROVER_ROLES).meta({ id: 'ApproverRole' });
export type ApproverRole = z.infer<typeof ApproverRole>;

/** `any`: one approval completes the stage; `all`: everyone eligible; `quorum`: `quorum` of them. */
export const StageRule = z.enum(['any', 'all', 'quorum']).meta({ id: 'StageRule' });
export type StageRule = z.infer<typeof StageRule>;

export const WORK_LOCATION_TYPES = ['wfh', 'wfo', 'other'] as const;
export const WorkLocationType = z.enum(WORK_LOCATION_TYPES).meta({ id: 'WorkLocationType' });
export type WorkLocationType = z.infer<typeof WorkLocationType>;

const ConditionText = singleLine(z.string().trim().min(1).max(100));

/** When a stage applies; every condition given must hold (none given: always). */
export const StageConditions = z
  .strictObject({
    minWorkingDays: z
      .number()
      .int()
      .min(0)
      .max(366)
      .optional()
      .meta({ description: 'Requests of at least this many working days.' }),
    maxWorkingDays: z
      .number()
      .int()
      .min(0)
      .max(366)
      .optional()
      .meta({ description: 'Requests of at most this many working days.' }),
    minAmountMinor: z
      .number()
      .int()
      .min(0)
      .optional()
      .meta({ description: 'Amounts of at least this, in minor units of the base currency (expenses).' }),
    leaveTypes: z.array(ConditionText).min(1).max(50).optional().meta({ description: 'Leave types (ids or codes).' }),
    departments: z
      .array(ConditionText)
      .min(1)
      .max(50)
      .optional()
      .meta({ description: "The requester's department (any case)." }),
    workLocationTypes: z.array(WorkLocationType).min(1).optional(),
    overLimit: z.boolean().optional().meta({
      description:
        'Expense claims past (true) or within (false) a limit of their category, per item or per person and month.',
    }),
  })
  .meta({ id: 'StageConditions' });
export type StageConditions = z.infer<typeof StageConditions>;

export const DEFAULT_DUE_AFTER_HOURS = 48;

/**
 * Who an escalation asks: an approver role (resolved as for a stage), or
 * `nextLevel`, the manager one level above the highest of the requester's
 * managers the stage asked (the requester's own manager when it asked none).
 */
export const ESCALATION_TARGETS = [...APPROVER_ROLES, 'nextLevel'] as const;
export const EscalationTarget = z.enum(ESCALATION_TARGETS).meta({ id: 'EscalationTarget' });
export type EscalationTarget = z.infer<typeof EscalationTarget>;

export const TimeoutAction = z.enum(['approve', 'reject']).meta({ id: 'TimeoutAction' });
export type TimeoutAction = z.infer<typeof TimeoutAction>;

export const PolicyStage = z
  .strictObject({
    name: singleLine(z.string().trim().min(1).max(80)),
    approvers: z.array(ApproverRole).min(1).max(APPROVER_ROLES.length),
    rule: StageRule,
    quorum: z.number().int().min(1).max(50).optional().meta({ description: 'With rule `quorum`: how many approvals.' }),
    dueAfterHours: z
      .number()
      .int()
      .min(1)
      .max(24 * 30)
      .optional()
      .meta({ description: `Hours after the stage starts when it is due (default ${DEFAULT_DUE_AFTER_HOURS}).` }),
    when: StageConditions.optional(),
    remindAfter: z
      .number()
      .int()
      .min(1)
      .max(24 * 30)
      .optional()
      .meta({ description: 'Working hours after the stage starts when those asked are reminded (once).' }),
    escalateAfter: z
      .number()
      .int()
      .min(1)
      .max(24 * 30)
      .optional()
      .meta({ description: 'Working hours after the stage starts when it is escalated to `escalateTo` (once).' }),
    escalateTo: z
      .array(EscalationTarget)
      .min(1)
      .max(ESCALATION_TARGETS.length)
      .optional()
      .meta({ description: 'Who an escalation also asks (with `escalateAfter`).' }),
    onTimeout: TimeoutAction.optional().meta({
      description:
        'What the system decides when the stage reaches its final deadline (`dueAfterHours`) undecided; nothing when absent (the stage stays overdue).',
    }),
  })
  .meta({ id: 'PolicyStage' });
export type PolicyStage = z.infer<typeof PolicyStage>;

export const PolicyMode = z.enum(['simple', 'strict']).meta({ id: 'PolicyMode' });
export type PolicyMode = z.infer<typeof PolicyMode>;

export const ApprovalPolicyView = z
  .object({
    kind: ApprovalKind,
    mode: PolicyMode,
    stages: z.array(PolicyStage).meta({
      description:
        'The stages in order. In simple mode, the fixed stages of the kind; in strict mode, the configured ones (a request no stage applies to follows the simple stages).',
    }),
    simpleStages: z.array(PolicyStage).meta({ description: 'What simple mode asks for this kind.' }),
    version: z.number().int().min(0).meta({ description: '0 while the policy has never been changed.' }),
    updatedAt: Instant.nullable(),
    updatedBy: Id.nullable(),
  })
  .meta({ id: 'ApprovalPolicy' });
export type ApprovalPolicyView = z.infer<typeof ApprovalPolicyView>;

export const ApprovalPolicyParams = z.object({ kind: ApprovalKind });

export const UpdateApprovalPolicyInput = z
  .strictObject({
    kind: ApprovalKind,
    version: z.number().int().min(0).meta({ description: 'The version you read (0 for a policy never changed).' }),
    mode: PolicyMode,
    stages: z
      .array(PolicyStage)
      .min(1)
      .max(10)
      .optional()
      .meta({ description: 'Strict mode: the stages in order (1–10). Simple mode takes none.' }),
  })
  .superRefine((input, ctx) => {
    if (input.mode === 'strict' && input.stages === undefined) {
      ctx.addIssue({ code: 'custom', path: ['stages'], message: 'strict mode needs its stages' });
    }
    if (input.mode === 'simple' && input.stages !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['stages'], message: 'simple mode has fixed stages; send none' });
    }
  });
export type UpdateApprovalPolicyInput = z.infer<typeof UpdateApprovalPolicyInput>;

export const WorkflowState = z.enum(['pending', 'approved', 'rejected', 'cancelled']).meta({ id: 'WorkflowState' });
export type WorkflowState = z.infer<typeof WorkflowState>;

export const StageState = z
  .enum(['waiting', 'active', 'approved', 'rejected', 'cancelled', 'skipped'])
  .meta({ id: 'StageState' });
export type StageState = z.infer<typeof StageState>;

export const Decision = z.enum(['approve', 'reject']).meta({ id: 'Decision' });
export type Decision = z.infer<typeof Decision>;

export const DecisionChannel = z.enum(['app', 'link', 'system']).meta({ id: 'DecisionChannel' });
export type DecisionChannel = z.infer<typeof DecisionChannel>;

export const Comment = z.string().trim().min(1).max(2000);
export const RejectReason = z.string().trim().min(1, { error: 'a rejection needs a reason' }).max(2000);

export const DecisionView = z
  .object({
    stage: z.number().int(),
    round: z.number().int(),
    by: PersonRef.nullable().meta({ description: 'Null when the system decided (a stage’s `onTimeout`).' }),
    actingFor: PersonRef.nullable().meta({ description: 'Whom the decider acted for (a delegation), else null.' }),
    decision: Decision,
    comment: z.string().nullable(),
    reason: z.string().nullable(),
    at: Instant,
    via: DecisionChannel,
  })
  .meta({ id: 'ApprovalDecision' });
export type DecisionView = z.infer<typeof DecisionView>;

export const WorkflowStageView = z
  .object({
    index: z.number().int(),
    name: z.string(),
    approvers: z.array(ApproverRole),
    rule: StageRule,
    required: z.number().int().meta({ description: 'Approvals this stage needs (from its rule and eligible set).' }),
    approvals: z.number().int(),
    state: StageState,
    eligible: z.array(PersonRef).meta({ description: 'Who may decide this stage (resolved when it started).' }),
    fallback: z.boolean().meta({ description: 'Nobody matched the stage’s roles; HR (or Admin) were asked instead.' }),
    deputies: z
      .array(z.object({ delegate: PersonRef, for: PersonRef }))
      .meta({ description: 'Delegates who may decide for someone eligible (an active delegation).' }),
    escalatedTo: z.array(PersonRef).meta({ description: 'Who the escalation asked in addition.' }),
    startedAt: Instant.nullable(),
    remindAt: Instant.nullable(),
    remindedAt: Instant.nullable(),
    escalateAt: Instant.nullable(),
    escalatedAt: Instant.nullable(),
    dueAt: Instant.nullable(),
    onTimeout: TimeoutAction.nullable(),
    completedAt: Instant.nullable(),
  })
  .meta({ id: 'ApprovalStage' });

export const WorkflowSummaryView = z
  .object({
    id: Id,
    state: WorkflowState,
    round: z.number().int().meta({ description: 'Send it back with a decision (with the stage index).' }),
    currentStage: z
      .object({ index: z.number().int(), name: z.string(), required: z.number().int(), approvals: z.number().int() })
      .nullable(),
    awaiting: z.array(PersonRef).meta({ description: 'Who may decide now.' }),
    dueAt: Instant.nullable(),
    overdue: z.boolean(),
  })
  .meta({ id: 'ApprovalSummary', description: 'Where the request’s approval stands, for lists.' });
export type WorkflowSummaryView = z.infer<typeof WorkflowSummaryView>;

export const SubjectView = z.object({
  id: Id,
  summary: z.string(),
  version: z.number().int().meta({ description: 'The request version this round decides.' }),
  days: z.object({ start: CalendarDay, end: CalendarDay }).nullable(),
});

export const WorkflowView = z
  .object({
    id: Id,
    kind: ApprovalKind,
    subject: SubjectView,
    requester: PersonRef,
    mode: PolicyMode,
    policyVersion: z.number().int(),
    state: WorkflowState,
    round: z.number().int().meta({ description: 'Starts at 1; an edit of the request starts a new round.' }),
    currentStage: z.number().int().nullable(),
    stages: z.array(WorkflowStageView),
    decisions: z.array(DecisionView).meta({ description: 'Every decision, oldest first, earlier rounds included.' }),
    summary: WorkflowSummaryView,
    version: z.number().int(),
    createdAt: Instant,
    updatedAt: Instant,
    closedAt: Instant.nullable(),
  })
  .meta({ id: 'ApprovalWorkflow' });
export type WorkflowView = z.infer<typeof WorkflowView>;

export const InboxItemView = z
  .object({
    workflowId: Id,
    kind: ApprovalKind,
    subject: SubjectView,
    requester: PersonRef,
    stage: z.object({
      index: z.number().int(),
      name: z.string(),
      required: z.number().int(),
      approvals: z.number().int(),
    }),
    decisions: z.array(DecisionView).meta({ description: 'What others decided in this round.' }),
    actingFor: PersonRef.nullable().meta({
      description: 'Whom you would decide for (you are their delegate), or null when you are asked yourself.',
    }),
    submittedAt: Instant,
    dueAt: Instant.nullable(),
    overdue: z.boolean(),
  })
  .meta({ id: 'ApprovalInboxItem' });
export type InboxItemView = z.infer<typeof InboxItemView>;

export const InboxQuery = PageQuery.extend({
  kind: ApprovalKind.optional(),
  overdue: QueryFlag.optional().meta({ description: 'Only items past (true) or within (false) their due date.' }),
  sort: SortOf(['dueAt', '-dueAt', 'submittedAt', '-submittedAt'] as const).default('dueAt'),
});
export type InboxQuery = z.infer<typeof InboxQuery>;

/** The round and stage the decider saw (from the summary or the timeline); a request that changed since answers 409 REQUEST_CHANGED. */
export const SeenStage = {
  round: z.number().int().min(1).optional().meta({ description: 'The round you saw (recommended).' }),
  stage: z.number().int().min(0).optional().meta({ description: 'The stage index you saw (recommended).' }),
};

/** A decision through a request kind's own endpoint (the request's id in the path). */
export const RequestDecisionInput = z.strictObject({ id: Id, comment: Comment.optional(), ...SeenStage });
export type RequestDecisionInput = z.infer<typeof RequestDecisionInput>;
export const RequestRejectInput = z.strictObject({
  id: Id,
  reason: RejectReason,
  comment: Comment.optional(),
  ...SeenStage,
});
export type RequestRejectInput = z.infer<typeof RequestRejectInput>;

/** The refinement of every decision input: a rejection carries a reason. */
export function reasonForRejection(
  input: { decision?: string | undefined; reason?: string | undefined },
  ctx: z.RefinementCtx,
) {
  if (input.decision === 'reject' && input.reason === undefined) {
    ctx.addIssue({ code: 'custom', path: ['reason'], message: 'a rejection needs a reason' });
  }
}

export const DecideInput = z
  .strictObject({
    workflowId: Id,
    decision: Decision,
    comment: Comment.optional(),
    reason: RejectReason.optional().meta({ description: 'Required to reject (1–2,000 characters).' }),
    ...SeenStage,
  })
  .superRefine(reasonForRejection);
export type DecideInput = z.infer<typeof DecideInput>;

export const WorkflowParams = z.object({ workflowId: Id });

export const DelegationState = z.enum(['scheduled', 'active', 'ended']).meta({ id: 'DelegationState' });
export type DelegationState = z.infer<typeof DelegationState>;

export const DelegationView = z
  .object({
    id: Id,
    delegator: PersonRef.meta({ description: 'Whose approvals are delegated.' }),
    delegate: PersonRef.meta({ description: 'Who decides them meanwhile.' }),
    from: CalendarDay,
    to: CalendarDay,
    kinds: z.array(ApprovalKind).nullable().meta({ description: 'Only these kinds; null for every kind.' }),
    note: z.string().nullable(),
    state: DelegationState,
    createdBy: PersonRef,
    createdAt: Instant,
    endedAt: Instant.nullable().meta({ description: 'When it was ended early (DELETE), else null.' }),
  })
  .meta({ id: 'ApprovalDelegation' });
export type DelegationView = z.infer<typeof DelegationView>;

export const CreateDelegationInput = z
  .strictObject({
    delegateId: Id,
    from: CalendarDay,
    to: CalendarDay,
    kinds: z.array(ApprovalKind).min(1).max(APPROVAL_KINDS.length).optional(),
    note: singleLine(z.string().trim().min(1).max(500)).optional(),
    delegatorId: Id.optional().meta({
      description: 'HR only: set the delegation of someone else (an absent person); yourself when absent.',
    }),
  })
  .superRefine((input, ctx) => {
    if (input.to < input.from) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must not be before from' });
  });
export type CreateDelegationInput = z.infer<typeof CreateDelegationInput>;

export const ListDelegationsQuery = PageQuery.extend({
  role: z
    .enum(['delegator', 'delegate', 'any'])
    .default('any')
    .meta({ description: 'Yours as delegator, as delegate, or both (HR: `userId` instead of you).' }),
  state: DelegationState.optional(),
  userId: Id.optional().meta({ description: 'HR: the delegations of this person.' }),
});
export type ListDelegationsQuery = z.infer<typeof ListDelegationsQuery>;

export const DelegationParams = z.object({ id: Id });

export const ApprovalLinkView = z
  .object({
    action: Decision,
    needsReason: z.boolean().meta({ description: 'A rejection: POST it with `reason`.' }),
    approver: PersonRef,
    actingFor: PersonRef.nullable(),
    workflow: z.object({
      id: Id,
      kind: ApprovalKind,
      summary: z.string(),
      requester: PersonRef,
      stage: z.string(),
      round: z.number().int(),
    }),
    expiresAt: Instant,
  })
  .meta({ id: 'ApprovalLink', description: 'What a one-click link would do (reading it changes nothing).' });
export type ApprovalLinkView = z.infer<typeof ApprovalLinkView>;

export const LinkParams = z.object({
  token: z
    .string()
    .min(20)
    .max(200)
    .regex(/^[A-Za-z0-9_-]+$/)
    .meta({ description: 'The token from the email.' }),
});

export const UseLinkInput = LinkParams.extend({
  comment: Comment.optional(),
  reason: RejectReason.optional().meta({ description: 'Required when the link rejects.' }),
}).strict();
export type UseLinkInput = z.infer<typeof UseLinkInput>;

export const LinkOutcomeView = z
  .object({
    decision: Decision,
    workflowId: Id,
    state: WorkflowState.meta({ description: 'Where the workflow stands after the decision.' }),
    summary: z.string(),
    at: Instant,
  })
  .meta({ id: 'ApprovalLinkOutcome' });
export type LinkOutcomeView = z.infer<typeof LinkOutcomeView>;
