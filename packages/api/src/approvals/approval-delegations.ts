import {
  type CreateDelegationInput,
  type DelegationRecord,
  type DelegationView,
  dayInTimezone,
  decideDelegation,
  delegationState,
  endDelegation,
  type ListDelegationsQuery,
  notFound,
  type Page,
  startOfDayIn,
} from '@seed-pms/domain';
import { assertCan, assertCanSee, canEvery } from '../access/ability.js';
import type { ActorContext, CallContext } from '../app/call-context.js';
import type { ServiceDeps } from '../app/deps.js';
import type { AuditService } from '../audit/audit.service.js';
import type { EventBus } from '../events/event-bus.js';
import type { SettingsService } from '../settings/settings.service.js';
import { iso, namesOf } from './approval-people.js';

/** Delegations: the use cases behind /approvals/delegations, and their boundaries for the timers job. */
export interface ApprovalDelegations {
  delegations(ctx: ActorContext, query: ListDelegationsQuery): Promise<Page<DelegationView>>;
  delegate(ctx: ActorContext, input: CreateDelegationInput): Promise<DelegationView>;
  endDelegation(ctx: ActorContext, id: string): Promise<DelegationView>;
  /** A delegation's start or end, applied to the pending stages once; returns how many changed. */
  applyBoundary(ctx: CallContext, delegation: DelegationRecord, step: 'start' | 'end'): Promise<number>;
}

/**
 * Delegations, built by the engine with its re-resolution: the rules are the
 * pure deciders of domain/src/approvals/approval.delegation.ts.
 */
export function createApprovalDelegations(
  deps: Pick<ServiceDeps, 'repos'>,
  services: {
    audit: AuditService;
    settings: SettingsService;
    events: EventBus;
    /** Re-resolves the pending stages asking any of these people (the engine's). */
    reresolve(ctx: CallContext, userIds: readonly string[]): Promise<number>;
  },
): ApprovalDelegations {
  const { delegations, users, employees } = deps.repos;
  const { audit, settings, events, reresolve } = services;

  async function delegationView(delegation: DelegationRecord, now: Date): Promise<DelegationView> {
    const person = await namesOf(employees, [delegation.delegatorId, delegation.delegateId, delegation.createdBy]);
    return {
      id: delegation.id,
      delegator: person(delegation.delegatorId),
      delegate: person(delegation.delegateId),
      from: delegation.from,
      to: delegation.to,
      kinds: delegation.kinds,
      note: delegation.note,
      state: delegationState(delegation, now),
      createdBy: person(delegation.createdBy),
      createdAt: delegation.createdAt.toISOString(),
      endedAt: iso(delegation.endedAt),
    };
  }

  /** The delegation's start or end, applied to pending stages once (the flag is set after). */
  async function applyBoundary(ctx: CallContext, delegation: DelegationRecord, step: 'start' | 'end') {
    const count = await reresolve(ctx, [step === 'start' ? delegation.delegatorId : delegation.delegateId]);
    await delegations.markApplied(delegation.id, step);
    return count;
  }

  return {
    applyBoundary,

    async delegations(ctx, query) {
      const everyone = canEvery(ctx.actor, 'read', 'ApprovalDelegation');
      // Others' delegations are HR's to list; anyone else lists their own.
      const userId = everyone ? query.userId : ctx.actor.id;
      if (!everyone && query.userId && query.userId !== ctx.actor.id) {
        return { items: [], total: 0, page: query.page, limit: query.limit };
      }
      const page = await delegations.list(
        {
          ...(userId ? { userId } : {}),
          role: query.role,
          ...(query.state ? { state: query.state } : {}),
          page: query.page,
          limit: query.limit,
        },
        ctx.now,
      );
      return { ...page, items: await Promise.all(page.items.map((d) => delegationView(d, ctx.now))) };
    },

    async delegate(ctx, input) {
      const delegatorId = input.delegatorId ?? ctx.actor.id;
      assertCan(ctx.actor, 'create', 'ApprovalDelegation', {
        delegatorId,
        delegateId: input.delegateId,
        createdBy: ctx.actor.id,
      });
      const { organization } = await settings.current(ctx.now);
      const [delegator, delegateUser] = await Promise.all([users.get(delegatorId), users.get(input.delegateId)]);
      if (!delegator) throw notFound('User', delegatorId);
      const id = delegations.newId();
      // One delegation of a person at a time is decided: two at once could both pass the overlap rule.
      const saved = await deps.repos.leases.withLease(`delegation:${delegatorId}`, async () => {
        const decided = decideDelegation({
          actorId: ctx.actor.id,
          actorMaySetForOthers: canEvery(ctx.actor, 'create', 'ApprovalDelegation'),
          delegatorId,
          delegateId: input.delegateId,
          from: input.from,
          to: input.to,
          kinds: input.kinds ?? null,
          note: input.note ?? null,
          delegateActive: delegateUser?.status === 'active',
          current: await delegations.currentOf(delegatorId, ctx.now),
          today: dayInTimezone(ctx.now, organization.timezone),
          startOfDay: (day) => startOfDayIn(day, organization.timezone),
          now: ctx.now,
        });
        const stored = await delegations.insert(id, decided.delegation, ctx.now);
        await audit.record(ctx, { ...decided.audit, resourceId: id });
        return stored;
      });
      if (saved.startsAt <= ctx.now) await applyBoundary(ctx, saved, 'start');
      await events.publish('approval.delegated', {
        delegationId: saved.id,
        delegatorId: saved.delegatorId,
        delegateId: saved.delegateId,
        from: saved.from,
        to: saved.to,
        kinds: saved.kinds,
        by: ctx.actor.id,
        at: ctx.now,
      });
      return delegationView(saved, ctx.now);
    },

    async endDelegation(ctx, id) {
      const delegation = await delegations.get(id);
      if (!delegation) throw notFound('Delegation', id);
      assertCanSee(ctx.actor, 'ApprovalDelegation', delegation, 'Delegation', id);
      const entry = endDelegation({
        delegation,
        actorId: ctx.actor.id,
        actorMaySetForOthers: canEvery(ctx.actor, 'delete', 'ApprovalDelegation'),
        now: ctx.now,
      });
      const ended = await delegations.end(id, delegation.version, ctx.now);
      await audit.record(ctx, entry);
      await applyBoundary(ctx, ended, 'end');
      return delegationView(ended, ctx.now);
    },
  };
}
