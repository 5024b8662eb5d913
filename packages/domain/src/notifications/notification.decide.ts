import type { ApprovalEvent } from '../approvals/approval.decide.js';
import type { ApprovalKind } from '../approvals/approval.schemas.js';
import { DomainError } from '../errors/domain-error.js';
import {
  type ChannelPreference,
  NOTIFICATION_TYPES,
  type NotificationType,
  type UpdatePreferencesInput,
} from './notification.schemas.js';

/**
 * Who is told what, as pure functions: an event and the names it mentions in,
 * the notifications out (one per person), and the channels each person's
 * preferences choose.
 */

export interface NewNotification {
  userId: string;
  type: NotificationType;
  title: string;
  body: string;
  /** The app's path for it. */
  link: string;
  actorId: string | null;
  data: Record<string, string | number | boolean | null>;
}

export interface Channels {
  inApp: boolean;
  email: boolean;
}

/** What each type does when a person has not chosen: requests to decide by both, the rest as people expect. */
export const DEFAULT_CHANNELS: Readonly<Record<NotificationType, Channels>> = {
  'approval.requested': { inApp: true, email: true },
  'approval.reminded': { inApp: true, email: true },
  'approval.escalated': { inApp: true, email: true },
  'approval.decided': { inApp: true, email: true },
  'approval.cancelled': { inApp: true, email: false },
  'approval.delegated': { inApp: true, email: true },
  'project.overallocated': { inApp: true, email: false },
  'project.mention': { inApp: true, email: true },
  'message.unread': { inApp: true, email: true },
  'expense.reimbursed': { inApp: true, email: true },
  'webhook.disabled': { inApp: true, email: true },
};

/** Types that ask someone to decide: they always reach them somewhere (one channel at least). */
export const REQUIRED_TYPES: ReadonlySet<NotificationType> = new Set(['approval.requested', 'approval.escalated']);

/** A person's channels per type: their choices over the defaults. */
export function channelsOf(
  stored: Partial<Record<NotificationType, Channels>>,
): Record<NotificationType, Channels & { changed: boolean }> {
  const out = {} as Record<NotificationType, Channels & { changed: boolean }>;
  for (const type of NOTIFICATION_TYPES) {
    const chosen = stored[type];
    out[type] = chosen
      ? { inApp: chosen.inApp, email: chosen.email, changed: true }
      : { ...DEFAULT_CHANNELS[type], changed: false };
  }
  return out;
}

/** The preferences after a change; 422 NOTIFICATION_CHANNEL_REQUIRED for a request to decide switched off everywhere. */
export function updatePreferences(
  stored: Partial<Record<NotificationType, Channels>>,
  input: UpdatePreferencesInput,
): Partial<Record<NotificationType, Channels>> {
  const next: Partial<Record<NotificationType, Channels>> = { ...stored };
  for (const item of input.items) {
    if (REQUIRED_TYPES.has(item.type) && !item.inApp && !item.email) {
      throw new DomainError(
        'NOTIFICATION_CHANNEL_REQUIRED',
        'Requests to decide must reach you somewhere: keep in-app or email on',
        { type: item.type },
      );
    }
    next[item.type] = { inApp: item.inApp, email: item.email };
  }
  return next;
}

export type PreferenceItems = ChannelPreference[];

const KIND_NAMES: Record<ApprovalKind, string> = {
  workLocation: 'work-location request',
  leave: 'leave request',
  timeChange: 'time correction',
  expense: 'expense claim',
  erasure: 'erasure request',
};

/** The workflow as notifications mention it. */
export interface NotifiedWorkflow {
  id: string;
  kind: ApprovalKind;
  summary: string;
  requesterId: string;
  state: 'pending' | 'approved' | 'rejected' | 'cancelled';
  round: number;
  stageName: (index: number) => string;
}

/** The notifications one engine event gives: to those asked, the requester, or a delegator. */
export function notificationsForApproval(
  event: ApprovalEvent,
  workflow: NotifiedWorkflow,
  name: (id: string) => string,
): NewNotification[] {
  const what = KIND_NAMES[workflow.kind];
  const link = `/approvals/${workflow.id}`;
  const base = { workflowId: workflow.id, kind: workflow.kind, round: workflow.round };
  const requester = name(workflow.requesterId);
  switch (event.type) {
    case 'approval.requested': {
      const forOf = new Map(event.deputies.map((d) => [d.delegateId, d.forId]));
      return event.awaiting.map((userId) => {
        const forId = forOf.get(userId) ?? null;
        return {
          userId,
          type: 'approval.requested',
          title: `Approval needed: ${workflow.summary}`,
          body: forId
            ? `${requester}'s ${what} waits for a decision (${workflow.stageName(event.stage)}), for ${name(forId)} who delegated it to you.`
            : `${requester}'s ${what} waits for your decision (${workflow.stageName(event.stage)}).`,
          link,
          actorId: workflow.requesterId,
          data: { ...base, stage: event.stage, actingFor: forId },
        };
      });
    }
    case 'approval.reminded':
      return event.awaiting.map((userId) => ({
        userId,
        type: 'approval.reminded',
        title: `Reminder: ${workflow.summary}`,
        body: `${requester}'s ${what} is still waiting for your decision (${workflow.stageName(event.stage)}).`,
        link,
        actorId: null,
        data: { ...base, stage: event.stage },
      }));
    case 'approval.escalated':
      return event.to.map((userId) => ({
        userId,
        type: 'approval.escalated',
        title: `Escalated to you: ${workflow.summary}`,
        body: `${requester}'s ${what} was not decided in time (${workflow.stageName(event.stage)}); you may decide it now.`,
        link,
        actorId: null,
        data: { ...base, stage: event.stage },
      }));
    case 'approval.decided': {
      const verb = event.decision === 'approve' ? 'approved' : 'rejected';
      const who = event.by ? name(event.by) : 'The system (no decision in time)';
      const final = workflow.state !== 'pending';
      const byLine = event.by && event.actingFor ? `${who} for ${name(event.actingFor)}` : who;
      const out: NewNotification[] = [
        {
          userId: workflow.requesterId,
          type: 'approval.decided',
          title: final
            ? `${verb === 'approved' ? 'Approved' : 'Rejected'}: ${workflow.summary}`
            : `${workflow.stageName(event.stage)} approved: ${workflow.summary}`,
          body: `${byLine} ${verb} your ${what}${final ? '' : ` at ${workflow.stageName(event.stage)}; it goes on to the next stage`}.`,
          link,
          actorId: event.by,
          data: { ...base, stage: event.stage, decision: event.decision, state: workflow.state },
        },
      ];
      if (event.by && event.actingFor) {
        out.push({
          userId: event.actingFor,
          type: 'approval.decided',
          title: `Decided for you: ${workflow.summary}`,
          body: `${who} ${verb} ${requester}'s ${what} for you (your delegation).`,
          link,
          actorId: event.by,
          data: { ...base, stage: event.stage, decision: event.decision, state: workflow.state },
        });
      }
      return out;
    }
    case 'approval.closed':
      if (event.state !== 'cancelled') return [];
      return event.awaiting.map((userId) => ({
        userId,
        type: 'approval.cancelled',
        title: `Withdrawn: ${workflow.summary}`,
        body: `${requester} withdrew their ${what}; nothing is left to decide.`,
        link,
        actorId: workflow.requesterId,
        data: { ...base },
      }));
  }
}

/** Every active admin hears that a webhook subscription was disabled after repeated failure (no actor: the system did it). */
export function webhookDisabledNotifications(
  adminIds: readonly string[],
  webhook: { webhookId: string; url: string; reason: string; failures: number },
): NewNotification[] {
  const why =
    webhook.reason === 'consecutive_failures'
      ? `${webhook.failures} deliveries in a row failed`
      : 'every delivery attempt failed for a day';
  return [...new Set(adminIds)].map((userId) => ({
    userId,
    type: 'webhook.disabled',
    title: 'A webhook was disabled',
    body: `Deliveries to ${webhook.url} stopped: ${why}. Fix the receiver, then re-enable the subscription.`,
    link: `/admin/webhooks/${webhook.webhookId}`,
    actorId: null,
    data: { webhookId: webhook.webhookId, reason: webhook.reason, failures: webhook.failures },
  }));
}

/** The e-mail addresses a comment mentions as `@name@example.com`, lower-cased, once each. */
export function mentionedEmails(text: string): string[] {
  const found = new Set<string>();
  for (const match of text.matchAll(/(?:^|[\s(])@([A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,})/g)) {
    const email = match[1]?.replace(/\.+$/, '').toLowerCase();
    if (email) found.add(email);
  }
  return [...found].slice(0, 50);
}
