import type { AuditEvent, AuditPageView, AuditVerifyView, CursorPage, ListAuditsQuery } from '@seed-pms/domain';
import type { z } from 'zod';
import type { CallContext } from '../app/call-context.js';
import type { ServiceDeps } from '../app/deps.js';

export interface AuditAs {
  actorId: string;
  actorType?: 'user' | 'system';
}

export type AuditEntry = z.infer<typeof AuditPageView>['items'][number];

export interface AuditService {
  /**
   * Appends an entry for a state change or security event. The actor is the
   * signed-in user, `as` when the caller is not signed in yet (a login), or
   * `system` for internal callers without one.
   */
  record(ctx: CallContext, event: AuditEvent, as?: AuditAs): Promise<void>;
  list(query: ListAuditsQuery): Promise<CursorPage<AuditEntry>>;
  verify(): Promise<AuditVerifyView>;
}

export function createAuditService(deps: Pick<ServiceDeps, 'repos'>): AuditService {
  const { audit } = deps.repos;
  return {
    async record(ctx, event, as) {
      await audit.append({
        actor: {
          actorId: as?.actorId ?? ctx.actor?.id ?? 'system',
          actorType: as?.actorType ?? (as || ctx.actor ? 'user' : 'system'),
        },
        event,
        meta: { ip: ctx.req.ip, userAgent: ctx.req.userAgent, requestId: ctx.req.id },
        timestamp: ctx.now,
      });
    },
    list: (query) => audit.list(query),
    verify: () => audit.verify(),
  };
}
