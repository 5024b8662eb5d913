import { z } from 'zod';
import { CursorQuery, cursorPageOf, Id, Instant, QueryInstantOrDay, QueryText } from '../common/common.schemas.js';

/** Who acted: a signed-in user, or the system itself (jobs, scripts, startup). */
export const AuditActorType = z.enum(['user', 'system']).meta({ id: 'AuditActorType' });
export type AuditActorType = z.infer<typeof AuditActorType>;

/** A SHA-256 digest in lowercase hex. */
const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 hexadecimal characters');

/** Free-form JSON object, as stored in the trail after secrets were removed. */
const JsonObject = z.record(z.string(), z.unknown());

export const AuditEntryView = z
  .object({
    id: Id,
    seq: z
      .number()
      .int()
      .min(1)
      .meta({ description: 'Position in the trail: 1, 2, 3… without gaps; newer entries have higher numbers.' }),
    timestamp: Instant.meta({ description: 'When the audited event happened.' }),
    actorId: z.string().meta({ description: 'The user id of the actor, or the name of a system actor.' }),
    actorType: AuditActorType,
    action: z.string().meta({ description: 'What happened, as area.verb.', example: 'user.create' }),
    resourceType: z.string().meta({ description: 'The kind of object acted on.', example: 'User' }),
    resourceId: z.string().meta({ description: 'The id of the object acted on.' }),
    subjectId: z.string().nullable().meta({
      description:
        'The person the entry is about, whose own data key seals its changes and details (null: entries written before per-person keys, or about no one).',
    }),
    changes: z
      .object({
        before: JsonObject.nullable().meta({ description: 'The object before the change; null when it was created.' }),
        after: JsonObject.nullable().meta({ description: 'The object after the change; null when it was removed.' }),
      })
      .nullable()
      .meta({ description: 'Before and after values with secrets removed; null for events that change no object.' }),
    details: JsonObject.nullable().meta({ description: 'Extra facts about the event, e.g. a reason; null when none.' }),
    metadata: z.object({
      ip: z.string().meta({ description: 'Client address of the request.' }),
      userAgent: z.string().nullable().meta({ description: 'User-Agent of the request; null when it sent none.' }),
      requestId: z.string().meta({ description: 'The request id, as in the logs and error bodies.' }),
    }),
    shredded: z.boolean().meta({
      description:
        'True when a data key this entry was sealed with was deleted by an erasure: changes and details (the subject’s) or ip and user agent (the actor’s) read as null and empty. The chain still verifies.',
    }),
    prevHash: Sha256Hex.meta({
      description: 'The hash of the entry before this one (64 zeros for the first), which chains the trail.',
    }),
    hash: Sha256Hex.meta({
      description:
        'sha256(prevHash + canonical JSON of the entry), canonical meaning sorted keys and no whitespace: of this view without `hash`, `subjectId` and `shredded` for entries written before per-person data keys; of the stored, sealed form for later ones, which the server recomputes (GET /audits/verify) whether or not a key was deleted.',
    }),
  })
  .meta({ id: 'AuditEntry' });
export type AuditEntryView = z.infer<typeof AuditEntryView>;

/** Query strings arrive as text and go through this schema as they are: no transforms. */
export const ListAuditsQuery = CursorQuery.extend({
  actorId: z
    .union([Id, z.enum(['system', 'anonymous'])], {
      error: 'must be a user id (24 hexadecimal characters), system or anonymous',
    })
    .optional()
    .meta({ description: 'Only entries by this actor: a user id, `system` (jobs) or `anonymous` (failed sign-ins).' }),
  action: QueryText(100)
    .optional()
    .meta({ description: 'Only entries with exactly this action.', example: 'auth.login.failed' }),
  resourceType: QueryText(100).optional().meta({ description: 'Only entries about this kind of object.' }),
  resourceId: QueryText(200).optional().meta({ description: 'Only entries about the object with this id.' }),
  from: QueryInstantOrDay.optional().meta({
    description: 'Only entries at or after this instant, or from the start of this day (organisation’s timezone).',
  }),
  to: QueryInstantOrDay.optional().meta({
    description:
      'Only entries before this instant (exclusive), or up to the end of this day (organisation’s timezone).',
  }),
}).strict();
export type ListAuditsQuery = z.infer<typeof ListAuditsQuery>;

/** A page of the trail, newest first. */
export const AuditPageView = cursorPageOf(AuditEntryView);
export type AuditPageView = z.infer<typeof AuditPageView>;

export const AuditBreakReason = z.enum(['hash-mismatch', 'broken-link', 'missing-entry']).meta({
  id: 'AuditBreakReason',
  description:
    'hash-mismatch: the entry differs from what was hashed when it was written; broken-link: its prevHash is not ' +
    'the hash of the entry before it; missing-entry: no entry holds this seq although the trail goes on (or an ' +
    'anchor said it existed).',
});
export type AuditBreakReason = z.infer<typeof AuditBreakReason>;

export const AuditVerifyView = z
  .object({
    ok: z.boolean().meta({ description: 'True when every entry from seq 1 on is intact and linked.' }),
    checked: z.number().int().min(0).meta({ description: 'Entries found intact, from seq 1, before the first break.' }),
    lastSeq: z
      .number()
      .int()
      .min(0)
      .meta({ description: 'The seq of the last intact entry; 0 when there is none (empty trail or broken at 1).' }),
    lastHash: Sha256Hex.nullable().meta({
      description:
        'The hash of the last intact entry. Keep (lastSeq, lastHash) outside the database to detect a later ' +
        'truncation or rewrite of the trail, which the chain alone cannot reveal.',
    }),
    brokenAt: z
      .object({
        seq: z.number().int().min(1),
        reason: AuditBreakReason,
      })
      .nullable()
      .meta({ description: 'The first break found; null when ok.' }),
  })
  .meta({ id: 'AuditVerification' });
export type AuditVerifyView = z.infer<typeof AuditVerifyView>;

/**
 * What a use case produces about a change, as data (the decide step returns it;
 * the service stamps actor and request and appends it). `before` and `after` are
 * the object's views around the change; secrets in them and in `details` are
 * removed when the entry is written, but pass views, not stored documents.
 */
export interface AuditEvent {
  /** area.verb, e.g. 'user.create', 'auth.login.failed'. */
  action: string;
  resourceType: string;
  resourceId: string;
  /** Omit (or null) when the object did not exist before (a create). */
  before?: unknown;
  /** Omit (or null) when the object no longer exists (a delete). */
  after?: unknown;
  /** A small JSON object, e.g. { reason }. */
  details?: Record<string, unknown>;
  /**
   * The person the entry is about, whose data key seals its changes and
   * details. When omitted: the resource for a user or employee, else the
   * `userId` (or `requesterId`) of the object after or before, else the actor.
   * Null: about no one, stored as it is (an entry that must outlive an erasure,
   * and holds only ids and counts).
   */
  subjectId?: string | null;
}

export interface AuditActor {
  actorId: string;
  actorType: AuditActorType;
}

export interface AuditRequestMeta {
  ip: string;
  userAgent: string | null;
  requestId: string;
}
