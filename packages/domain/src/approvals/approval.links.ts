import { DomainError } from '../errors/domain-error.js';
import { alreadyDecided, workflowClosed } from './approval.decide.js';
import type { ApprovalLinkRecord, WorkflowRecord } from './approval.records.js';

/**
 * One-click decision links (approval emails): each is bound to one approver,
 * one decision, and the round and stage the email showed; it expires and works
 * once. Reading it changes nothing (mail scanners fetch links).
 */

/** How long a link works unless the settings say otherwise. */
export const LINK_VALID_HOURS = 72;

/**
 * Whether a link can still do what it says: 401 LINK_EXPIRED past its expiry,
 * 409 LINK_USED once used, 409 WORKFLOW_CLOSED / ALREADY_DECIDED /
 * REQUEST_CHANGED when the request is no longer what the email showed.
 * (Whether the approver may still decide is the engine's own check when used.)
 */
export function assertLinkUsable(link: ApprovalLinkRecord, workflow: WorkflowRecord, now: Date): void {
  if (link.expiresAt <= now) {
    throw new DomainError('LINK_EXPIRED', 'This link has expired; decide in the app instead', {
      expiredAt: link.expiresAt.toISOString(),
    });
  }
  if (link.usedAt) {
    throw new DomainError('LINK_USED', 'This link was used already', { usedAt: link.usedAt.toISOString() });
  }
  const mine = workflow.decisions.find(
    (d) => d.round === workflow.round && (d.by === link.approverId || d.actingFor === link.approverId),
  );
  const stageDecision = workflow.decisions.filter((d) => d.round === link.round && d.stage === link.stage).at(-1);
  const stage = workflow.stages[link.stage];
  const stageSettled =
    link.round === workflow.round && stage && (stage.state === 'approved' || stage.state === 'rejected');
  const decision = mine ?? (stageSettled ? stageDecision : undefined);
  if (decision) throw alreadyDecided(decision, false);
  if (workflow.state !== 'pending') throw workflowClosed(workflow);
  if (workflow.round !== link.round || workflow.currentStage !== link.stage) {
    throw new DomainError('REQUEST_CHANGED', 'The request changed since this email was sent; review it in the app', {
      round: workflow.round,
      stage: workflow.currentStage,
    });
  }
}
