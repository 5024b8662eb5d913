/**
 * Events one area publishes and others handle, so areas stay decoupled: the
 * identity area archives a user and the projects area ends that user's
 * allocations. Handlers run in this process after the change is stored, in
 * registration order; a failing handler is logged and does not undo the change
 * (each handler must be idempotent, so a repair job can run it again).
 */
import type { UnreadDigest } from '@seed-pms/domain';

export interface DomainEvents {
  'user.created': { userId: string; at: Date; by: string | null };
  'user.archived': { userId: string; at: Date; by: string | null; reason: string };
  'user.restored': { userId: string; at: Date; by: string | null };
  'user.roles-changed': { userId: string; at: Date; by: string | null; before: string[]; after: string[] };
  /** A delegation was set: `delegateId` decides for `delegatorId` from `from` to `to`. */
  'approval.delegated': {
    delegationId: string;
    delegatorId: string;
    delegateId: string;
    from: string;
    to: string;
    kinds: string[] | null;
    by: string;
    at: Date;
  };
  /** People on a project are allocated above 100% on some days (a roster change made it so). */
  /** People allocated above their availability by a roster change on `projectId`, or by approved leave (`leaveRequestId`). */
  'capacity.overallocated': {
    userIds: string[];
    projectId: string;
    by: string | null;
    at: Date;
    leaveRequestId?: string;
  };
  /** A project comment was written or edited. */
  'project.comment-saved': { projectId: string; commentId: string; authorId: string; body: string; at: Date };
  /** Messages waited unread past the digest delay: tell each recipient once (one notification per recipient). */
  'messages.unread': { digests: UnreadDigest[]; at: Date };
  /** Finance recorded the payment of an approved claim. */
  'expense.reimbursed': {
    expenseId: string;
    userId: string;
    amount: { minor: number; currency: string };
    description: string;
    paidOn: string;
    reference: string;
    by: string;
    at: Date;
  };
  /** A webhook subscription was disabled after repeated failure (admins are told). */
  'webhook.disabled': {
    webhookId: string;
    url: string;
    reason: 'consecutive_failures' | 'failing_for_a_day';
    failures: number;
    at: Date;
  };
}

export type EventName = keyof DomainEvents;
export type EventHandler<E extends EventName> = (payload: DomainEvents[E]) => Promise<void>;

export interface EventBus {
  on<E extends EventName>(event: E, handler: EventHandler<E>): void;
  /** Runs every handler of the event; resolves when all have finished, failures logged. */
  publish<E extends EventName>(event: E, payload: DomainEvents[E]): Promise<void>;
}

export function createEventBus(logger: { error(obj: object, msg: string): void }): EventBus {
  const handlers = new Map<EventName, EventHandler<never>[]>();
  return {
    on(event, handler) {
      const list = handlers.get(event) ?? [];
      list.push(handler as EventHandler<never>);
      handlers.set(event, list);
    },
    async publish(event, payload) {
      for (const handler of handlers.get(event) ?? []) {
        try {
          await (handler as EventHandler<typeof event>)(payload);
        } catch (error) {
          logger.error({ err: error, event }, 'event handler failed');
        }
      }
    },
  };
}
