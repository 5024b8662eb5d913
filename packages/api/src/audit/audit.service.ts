import {
  type AuditEvent,
  type AuditPageView,
  type AuditVerifyView,
  addDays,
  type CursorPage,
  type ListAuditsQuery,
  startOfDayIn,
} from '@seed-pms/domain';
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
  /** A page of the trail; a day in `from`/`to` means that day in the organisation's timezone. */
  list(query: ListAuditsQuery, now: Date): Promise<CursorPage<AuditEntry>>;
  verify(): Promise<AuditVerifyView>;
}

export function createAuditService(deps: Pick<ServiceDeps, 'repos'>): AuditService {
  const { audit, settings } = deps.repos;

  /** An instant as given, or the start of a day (of the day after, for an exclusive end) in the organisation's timezone. */
  async function instantOf(value: string, end: boolean, now: Date): Promise<Date> {
    if (value.includes('T')) return new Date(value);
    const { timezone } = (await settings.get(now)).organization;
    return startOfDayIn(end ? addDays(value, 1) : value, timezone);
  }

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
    async list(query, now) {
      const { from, to, ...rest } = query;
      return audit.list({
        ...rest,
        ...(from === undefined ? {} : { from: await instantOf(from, false, now) }),
        ...(to === undefined ? {} : { to: await instantOf(to, true, now) }),
      });
    },
    verify: () => audit.verify(),
  };
}
