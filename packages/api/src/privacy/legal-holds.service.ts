import {
  assertNoLegalHold,
  decidePlaceLegalHold,
  type LegalHoldListView,
  type LegalHoldRecord,
  type LegalHoldView,
  legalHoldExists,
  notFound,
  type PlaceLegalHoldInput,
  releaseLegalHoldAudit,
} from '@seed-pms/domain';
import { assertCan } from '../access/ability.js';
import type { ActorContext } from '../app/call-context.js';
import type { ServiceDeps } from '../app/deps.js';
import type { AuditService } from '../audit/audit.service.js';

export interface LegalHoldsService {
  list(ctx: ActorContext): Promise<LegalHoldListView>;
  /** Places a hold (HR, Admin): 404 for an unknown person, 409 LEGAL_HOLD_EXISTS when one stands. */
  place(ctx: ActorContext, input: PlaceLegalHoldInput): Promise<LegalHoldView>;
  /** Releases the hold on a person: 404 when there is none. */
  release(ctx: ActorContext, userId: string): Promise<void>;
  /** For erasure: throws 409 LEGAL_HOLD_ACTIVE (`userId`, `heldSince`, `reference`) while a hold stands. */
  assertNotHeld(userId: string): Promise<void>;
}

export function createLegalHoldsService(
  deps: Pick<ServiceDeps, 'repos'>,
  services: { audit: AuditService },
): LegalHoldsService {
  const { legalHolds, employees } = deps.repos;
  const { audit } = services;

  async function views(holds: readonly LegalHoldRecord[]): Promise<LegalHoldView[]> {
    const cards = await employees.cards([...new Set(holds.flatMap((h) => [h.userId, h.placedBy]))]);
    const ref = (id: string) => ({ id, name: cards.get(id)?.name ?? '(unknown)' });
    return holds.map((h) => ({
      id: h.id,
      userId: h.userId,
      user: ref(h.userId),
      reason: h.reason,
      reference: h.reference,
      placedBy: ref(h.placedBy),
      placedAt: h.placedAt.toISOString(),
    }));
  }

  return {
    async list(ctx) {
      assertCan(ctx.actor, 'read', 'LegalHold', {});
      return { items: await views(await legalHolds.list()) };
    },

    async place(ctx, input) {
      assertCan(ctx.actor, 'create', 'LegalHold', {});
      if (!(await employees.exists(input.userId))) throw notFound('User', input.userId);
      const plan = decidePlaceLegalHold(await legalHolds.forUser(input.userId), input, ctx.actor.id, ctx.now);
      const placed = await legalHolds.place(plan.hold);
      if (!placed) {
        // Another request placed one first: refused as if it had been there when we read.
        const winner = await legalHolds.forUser(input.userId);
        throw legalHoldExists(winner ?? { ...plan.hold, id: '' });
      }
      await audit.record(ctx, plan.audit(placed.id));
      const [view] = await views([placed]);
      if (!view) throw new Error('a placed hold has a view');
      return view;
    },

    async release(ctx, userId) {
      assertCan(ctx.actor, 'delete', 'LegalHold', {});
      const released = await legalHolds.release(userId);
      if (!released) throw notFound('LegalHold', userId);
      await audit.record(ctx, releaseLegalHoldAudit(released, ctx.actor.id, ctx.now));
    },

    async assertNotHeld(userId) {
      assertNoLegalHold(await legalHolds.forUser(userId));
    },
  };
}
