import { createHash, randomBytes } from 'node:crypto';
import type { StoredWorkflow } from '@seed-pms/db';
import {
  type Actor,
  type ApprovalLinkRecord,
  type ApprovalLinkView,
  type ApproverDirectory,
  assertLinkUsable,
  DomainError,
  decideApproval,
  isDomainError,
  type LinkOutcomeView,
  type UseLinkInput,
  validationFailed,
  type WorkCalendar,
  type WorkflowRecord,
  type WorkflowTransition,
} from '@seed-pms/domain';
import type { ActorContext, CallContext } from '../app/call-context.js';
import type { ServiceDeps } from '../app/deps.js';
import { namesOf } from './approval-people.js';

/** One-click decision links of approval emails (rules: domain/src/approvals/approval.links.ts). */
export interface ApprovalLinks {
  /** New one-click links for an approval email: an approve and a reject token for one approver. */
  issueLinks(workflow: WorkflowRecord, approverId: string, now: Date): Promise<{ approve: string; reject: string }>;
  /** What a link would do; reading it changes nothing. */
  link(ctx: CallContext, token: string): Promise<ApprovalLinkView>;
  /** Does what the link says, once. */
  useLink(ctx: CallContext, input: UseLinkInput): Promise<LinkOutcomeView>;
}

/** Only this hash of a token is stored. */
export const hashLinkToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** The engine's one conditional write of a workflow, as links use it. */
export type Transition = (
  ctx: CallContext,
  first: StoredWorkflow,
  decide: (workflow: StoredWorkflow, directory: ApproverDirectory, calendar: WorkCalendar) => WorkflowTransition | null,
) => Promise<{ saved: StoredWorkflow; changed: boolean }>;

export function createApprovalLinks(
  deps: Pick<ServiceDeps, 'repos' | 'config'>,
  services: { transition: Transition },
): ApprovalLinks {
  const { approvals, approvalLinks, users, employees } = deps.repos;
  const { transition } = services;

  function actorFrom(user: { id: string; email: string; roles: Actor['roles'] }): Actor {
    return { id: user.id, email: user.email, roles: user.roles, sessionId: null, pending: [] };
  }

  /** The link a token names, with its workflow: 401 LINK_INVALID for a token nobody issued (or altered). */
  async function linkOf(token: string): Promise<{ link: ApprovalLinkRecord; workflow: StoredWorkflow }> {
    const link = await approvalLinks.byHash(hashLinkToken(token));
    const workflow = link ? await approvals.get(link.workflowId) : null;
    if (!link || !workflow) {
      throw new DomainError('LINK_INVALID', 'This link is not valid; decide in the app instead');
    }
    return { link, workflow };
  }

  return {
    async issueLinks(workflow, approverId, now) {
      const stage = workflow.stages[workflow.currentStage ?? -1];
      if (!stage) throw new Error('links are issued for a pending stage only');
      const deputy = stage.deputies.find((d) => d.delegateId === approverId);
      const asked = [...stage.eligible, ...stage.escalated].includes(approverId);
      const tokens = { approve: randomBytes(32).toString('base64url'), reject: randomBytes(32).toString('base64url') };
      const hours = deps.config.APPROVAL_LINK_TTL_HOURS;
      const expiresAt = new Date(now.getTime() + hours * 3_600_000);
      await approvalLinks.insertMany(
        (['approve', 'reject'] as const).map((decision) => ({
          tokenHash: hashLinkToken(tokens[decision]),
          workflowId: workflow.id,
          approverId,
          actingFor: !asked && deputy ? deputy.forId : null,
          decision,
          round: workflow.round,
          stage: stage.index,
          workflowVersion: workflow.version,
          expiresAt,
        })),
        now,
      );
      return tokens;
    },

    async link(ctx, token) {
      const { link, workflow } = await linkOf(token);
      assertLinkUsable(link, workflow, ctx.now);
      const person = await namesOf(employees, [
        link.approverId,
        workflow.requesterId,
        ...(link.actingFor ? [link.actingFor] : []),
      ]);
      return {
        action: link.decision,
        needsReason: link.decision === 'reject',
        approver: person(link.approverId),
        actingFor: link.actingFor ? person(link.actingFor) : null,
        workflow: {
          id: workflow.id,
          kind: workflow.kind,
          summary: workflow.subject.summary,
          requester: person(workflow.requesterId),
          stage: workflow.stages[link.stage]?.name ?? '',
          round: link.round,
        },
        expiresAt: link.expiresAt.toISOString(),
      };
    },

    async useLink(ctx, input) {
      const { link, workflow } = await linkOf(input.token);
      assertLinkUsable(link, workflow, ctx.now);
      if (link.decision === 'reject' && !input.reason) {
        throw validationFailed('A rejection needs a reason', [
          { path: 'reason', message: 'a rejection needs a reason', code: 'required' },
        ]);
      }
      const approver = await users.get(link.approverId);
      if (!approver || approver.status !== 'active') {
        throw new DomainError('LINK_INVALID', 'This link is not valid any more; decide in the app instead');
      }
      if (!(await approvalLinks.claim(link.id, ctx.now))) {
        throw new DomainError('LINK_USED', 'This link was used already', { usedAt: ctx.now.toISOString() });
      }
      // The decision is the approver's (audited as theirs), made through the link.
      const as: ActorContext = { req: ctx.req, now: ctx.now, actor: actorFrom(approver) };
      try {
        const { saved } = await transition(as, workflow, (current, directory, calendar) =>
          decideApproval({
            workflow: current,
            decision: {
              actorId: link.approverId,
              decision: link.decision,
              comment: input.comment,
              reason: input.reason,
              via: 'link',
              actingFor: link.actingFor,
              expected: { round: link.round, stage: link.stage },
            },
            directory,
            calendar,
            now: ctx.now,
          }),
        );
        return {
          decision: link.decision,
          workflowId: saved.id,
          state: saved.state,
          summary: saved.subject.summary,
          at: ctx.now.toISOString(),
        };
      } catch (error) {
        // A refusal of the decision leaves the link used (the request moved on); anything else gives it back.
        if (!isDomainError(error) || error.status >= 500) await approvalLinks.release(link.id);
        throw error;
      }
    },
  };
}
