import type { AuditActor, AuditEvent } from './audit.schemas.js';

const USER_ID = /^[0-9a-f]{24}$/;
/** Resource types whose id is a person's id. */
const PERSON_RESOURCES = new Set(['user', 'employee']);
/** Fields of a view that name the person it belongs to, in the order they are tried. */
const OWNER_FIELDS = ['userId', 'requesterId', 'delegatorId', 'authorId'] as const;

function ownerOf(value: unknown): string | null {
  if (!value || typeof value !== 'object') return null;
  for (const field of OWNER_FIELDS) {
    const id = (value as Record<string, unknown>)[field];
    if (typeof id === 'string' && USER_ID.test(id)) return id;
  }
  return null;
}

/**
 * The person an audit entry is about, whose own data key seals its changes
 * and details: the event's `subjectId` when it names one; the resource when it
 * is a person (user, employee); the owner the object's view names (`userId`,
 * then `requesterId`, `delegatorId`, `authorId`, after then before); else the
 * actor, when a person. Null for an entry about no one (the system's own
 * changes to settings): those parts are stored as they are.
 */
export function auditSubjectOf(event: AuditEvent, actor: AuditActor): string | null {
  if (event.subjectId === null) return null;
  if (event.subjectId && USER_ID.test(event.subjectId)) return event.subjectId;
  if (PERSON_RESOURCES.has(event.resourceType) && USER_ID.test(event.resourceId)) return event.resourceId;
  const owner = ownerOf(event.after) ?? ownerOf(event.before);
  if (owner) return owner;
  return actor.actorType === 'user' && USER_ID.test(actor.actorId) ? actor.actorId : null;
}

/** Whether an actor is a person with a data key (not the system or an anonymous caller). */
export function isPersonActor(actor: AuditActor): boolean {
  return actor.actorType === 'user' && USER_ID.test(actor.actorId);
}
