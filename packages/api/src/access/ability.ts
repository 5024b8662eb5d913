import { subject } from '@casl/ability';
import {
  type Action,
  type Actor,
  type AppAbility,
  DomainError,
  defineAbilityFor,
  mustBeAllowed,
  notFound,
  type SubjectName,
  type SubjectShapes,
} from '@seed-pms/domain';

// Built once per actor object; the session check caches actors, so most requests reuse one.
const abilities = new WeakMap<Actor, AppAbility>();

export function abilityFor(actor: Actor): AppAbility {
  let ability = abilities.get(actor);
  if (!ability) {
    ability = defineAbilityFor(actor);
    abilities.set(actor, ability);
  }
  return ability;
}

/** The coarse gate: may the actor do this to some object of the type? */
export function canAny(actor: Actor, action: Action, subjectName: SubjectName): boolean {
  return abilityFor(actor).can(action, subjectName);
}

/**
 * May the actor do this to every object of the type (a rule without
 * conditions or field limits)? For procedures over all records, such as a
 * list of every file, where "some of them" is not enough.
 */
export function canEvery(actor: Actor, action: Action, subjectName: SubjectName): boolean {
  return abilityFor(actor)
    .rulesFor(action, subjectName)
    .some((rule) => !rule.inverted && !rule.conditions && !rule.fields);
}

/** Like assertCan, answering true or false. */
export function canOn<S extends SubjectName>(
  actor: Actor,
  action: Action,
  subjectName: S,
  object: SubjectShapes[S],
): boolean {
  return abilityFor(actor).can(action, subject(subjectName, { ...object }) as Parameters<AppAbility['can']>[1]);
}

/** The authoritative check on the loaded object; 403 FORBIDDEN with the rule's reason otherwise. */
export function assertCan<S extends SubjectName>(
  actor: Actor,
  action: Action,
  subjectName: S,
  object: SubjectShapes[S],
): void {
  mustBeAllowed(abilityFor(actor), action, subjectName, object);
}

/**
 * The check for reading one thing by its id: someone who may not see it gets
 * 404, exactly as for an id that names nothing, so an answer never reveals
 * that the thing exists.
 */
export function assertCanSee<S extends SubjectName>(
  actor: Actor,
  subjectName: S,
  object: SubjectShapes[S],
  resource: string,
  id: string,
): void {
  if (!canOn(actor, 'read', subjectName, object)) throw notFound(resource, id);
}

/**
 * One thing loaded by its id for reading: 404 when nothing has the id and
 * when the actor may not see it (the same answer, see assertCanSee). `shape`
 * picks the fields the rules look at.
 */
export async function loadSeen<S extends SubjectName, R>(
  actor: Actor,
  subjectName: S,
  resource: string,
  id: string,
  get: (id: string) => Promise<R | null>,
  shape: (record: R) => SubjectShapes[S],
): Promise<R> {
  const record = await get(id);
  if (!record) throw notFound(resource, id);
  assertCanSee(actor, subjectName, shape(record), resource, id);
  return record;
}

/** What the rules of a request kind look at: whose it is and who was asked to decide it. */
export const requestShape = (record: { userId: string; approverIds: readonly string[] }) => ({
  userId: record.userId,
  approverIds: record.approverIds,
});

/** The fields of `fields` the actor may `action` on the loaded object (field-level rules). */
export function permittedFields<S extends SubjectName, F extends string>(
  actor: Actor,
  action: Action,
  subjectName: S,
  object: SubjectShapes[S],
  fields: readonly F[],
): F[] {
  const ability = abilityFor(actor);
  const tagged = subject(subjectName, { ...object }) as Parameters<AppAbility['can']>[1];
  return fields.filter((field) => ability.can(action, tagged, field));
}

/** 403 FORBIDDEN naming the fields the actor may not `action` on the object, if any. */
export function assertCanFields<S extends SubjectName, F extends string>(
  actor: Actor,
  action: Action,
  subjectName: S,
  object: SubjectShapes[S],
  fields: readonly F[],
): void {
  const allowed = new Set(permittedFields(actor, action, subjectName, object, fields));
  const refused = fields.filter((field) => !allowed.has(field));
  if (refused.length === 0) return;
  throw new DomainError('FORBIDDEN', `You are not allowed to ${action} ${refused.join(', ')} of this ${subjectName}`, {
    action,
    subject: subjectName,
    fields: refused,
  });
}
