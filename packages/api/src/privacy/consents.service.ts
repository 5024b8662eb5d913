import {
  type ConsentListView,
  type ConsentPurpose,
  consentViews,
  currentConsentTextVersion,
  DomainError,
  decideConsent,
  type SetConsentInput,
} from '@seed-pms/domain';
import { assertCan } from '../access/ability.js';
import type { ActorContext } from '../app/call-context.js';
import type { ServiceDeps } from '../app/deps.js';
import type { AuditService } from '../audit/audit.service.js';

/** Concurrent changes of one choice: each loses at most this often before answering 409 RESOURCE_BUSY. */
const MAX_ATTEMPTS = 5;

export interface ConsentsService {
  /** The caller's choices for every purpose, with their history. */
  list(ctx: ActorContext): Promise<ConsentListView>;
  /** Grants or withdraws the caller's consent to one purpose; answers every purpose as `list` does. */
  set(ctx: ActorContext, input: SetConsentInput): Promise<ConsentListView>;
  /** Of these people, those who consent to `purpose` now (granted, to the current text). */
  grantedAmong(userIds: readonly string[], purpose: ConsentPurpose): Promise<Set<string>>;
  /** Erasure: deletes the person's consents and their history. */
  eraseFor(userId: string): Promise<{ consents: number; history: number }>;
}

export function createConsentsService(
  deps: Pick<ServiceDeps, 'repos'>,
  services: { audit: AuditService },
): ConsentsService {
  const { consents } = deps.repos;
  const { audit } = services;

  const list = async (userId: string): Promise<ConsentListView> => {
    const [records, history] = await Promise.all([consents.listFor(userId), consents.historyFor(userId)]);
    return { items: consentViews(records, history) };
  };

  return {
    async list(ctx) {
      assertCan(ctx.actor, 'read', 'Consent', { userId: ctx.actor.id });
      return list(ctx.actor.id);
    },

    async set(ctx, input) {
      const userId = ctx.actor.id;
      assertCan(ctx.actor, 'update', 'Consent', { userId });
      for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
        const current = await consents.get(userId, input.purpose);
        const decision = decideConsent(current, { userId, ...input }, ctx.now);
        if (!decision.changed) return list(userId);
        if (!(await consents.write(decision.next, decision.expectedVersion))) continue;
        // The current choice first, then its history entry: the history holds only changes that took effect.
        await consents.appendHistory({
          userId,
          purpose: decision.next.purpose,
          granted: decision.next.granted,
          textVersion: decision.next.textVersion,
          at: ctx.now,
          ip: ctx.req.ip || null,
          userAgent: ctx.req.userAgent,
        });
        await audit.record(ctx, decision.audit);
        return list(userId);
      }
      throw new DomainError('RESOURCE_BUSY', 'This consent is being changed by another request; try again', {
        retryAfterSeconds: 1,
      });
    },

    grantedAmong: (userIds, purpose) => consents.grantedAmong(userIds, purpose, currentConsentTextVersion(purpose)),

    eraseFor: (userId) => consents.eraseFor(userId),
  };
}
