import type { AuditSeal, StoredAuditEntry } from '@seed-pms/db';
import {
  type AuditActor,
  type AuditEvent,
  type AuditPageView,
  type AuditVerifyView,
  addDays,
  auditSubjectOf,
  type CursorPage,
  isPersonActor,
  type ListAuditsQuery,
  startOfDayIn,
} from '@seed-pms/domain';
import type { z } from 'zod';
import type { CallContext } from '../app/call-context.js';
import type { ServiceDeps } from '../app/deps.js';
import type { DataKeys } from '../privacy/data-keys.js';

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

/**
 * Entries are written sealed (format 2): changes and details under the data
 * key of the person the entry is about, the request's ip and user agent under
 * the actor's (privacy/data-keys.ts). Reading opens them; a part whose key was
 * deleted by an erasure reads as null, with `shredded: true`.
 */
export function createAuditService(deps: Pick<ServiceDeps, 'repos'>, dataKeys: DataKeys): AuditService {
  const { audit, settings } = deps.repos;

  async function sealFor(event: AuditEvent, actor: AuditActor, now: Date): Promise<AuditSeal> {
    const subjectId = auditSubjectOf(event, actor);
    const clientId = isPersonActor(actor) ? actor.actorId : null;
    const [subject, client] = await Promise.all([
      subjectId ? dataKeys.boxFor(subjectId, now) : null,
      clientId ? dataKeys.boxFor(clientId, now) : null,
    ]);
    return {
      subject: subject && subjectId ? { id: subjectId, seal: (text) => subject.seal(text) } : null,
      client: client && clientId ? { id: clientId, seal: (text) => client.seal(text) } : null,
    };
  }

  /** The entries with their sealed parts opened, or marked shredded where a key is gone. */
  async function opened(stored: StoredAuditEntry[]): Promise<AuditEntry[]> {
    const owners = stored.flatMap(({ sealed }) => (sealed ? [sealed.subjectId, sealed.clientId] : []));
    const boxes = await dataKeys.existing(owners.filter((id): id is string => id !== null));
    const open = (ownerId: string | null, text: string | null): { ok: boolean; value: unknown } => {
      if (!ownerId || text === null) return { ok: true, value: null };
      const box = boxes.get(ownerId);
      if (!box) return { ok: false, value: null };
      try {
        return { ok: true, value: JSON.parse(box.open(text)) };
      } catch {
        return { ok: false, value: null };
      }
    };
    return stored.map(({ entry, sealed }) => {
      if (!sealed) return entry;
      const changes = open(sealed.subjectId, sealed.changes);
      const details = open(sealed.subjectId, sealed.details);
      const client = open(sealed.clientId, sealed.client);
      const clientValue = client.value as { ip?: string; userAgent?: string | null } | null;
      return {
        ...entry,
        ...(sealed.subjectId
          ? {
              changes: changes.value as AuditEntry['changes'],
              details: details.value as AuditEntry['details'],
            }
          : {}),
        ...(sealed.clientId
          ? {
              metadata: {
                ...entry.metadata,
                ip: clientValue?.ip ?? '',
                userAgent: clientValue?.userAgent ?? null,
              },
            }
          : {}),
        shredded: !(changes.ok && details.ok && client.ok),
      };
    });
  }

  /** An instant as given, or the start of a day (of the day after, for an exclusive end) in the organisation's timezone. */
  async function instantOf(value: string, end: boolean, now: Date): Promise<Date> {
    if (value.includes('T')) return new Date(value);
    const { timezone } = (await settings.get(now)).organization;
    return startOfDayIn(end ? addDays(value, 1) : value, timezone);
  }

  return {
    async record(ctx, event, as) {
      const actor: AuditActor = {
        actorId: as?.actorId ?? ctx.actor?.id ?? 'system',
        actorType: as?.actorType ?? (as || ctx.actor ? 'user' : 'system'),
      };
      const { subjectId: _subject, ...entry } = event;
      await audit.append({
        actor,
        event: entry,
        meta: { ip: ctx.req.ip, userAgent: ctx.req.userAgent, requestId: ctx.req.id },
        timestamp: ctx.now,
        seal: await sealFor(event, actor, ctx.now),
      });
    },
    async list(query, now) {
      const { from, to, ...rest } = query;
      const page = await audit.list({
        ...rest,
        ...(from === undefined ? {} : { from: await instantOf(from, false, now) }),
        ...(to === undefined ? {} : { to: await instantOf(to, true, now) }),
      });
      return { ...page, items: await opened(page.items) };
    },
    verify: () => audit.verify(),
  };
}
