import { subject } from '@casl/ability';
import {
  type Action,
  type Actor,
  type AppAbility,
  DomainError,
  defineAbilityFor,
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

/** The authoritative check on the loaded object; 403 FORBIDDEN with the rule's reason otherwise. */
export function assertCan<S extends SubjectName>(
  actor: Actor,
  action: Action,
  subjectName: S,
  object: SubjectShapes[S],
): void {
  const ability = abilityFor(actor);
  const tagged = subject(subjectName, { ...object }) as Parameters<AppAbility['can']>[1];
  if (ability.can(action, tagged)) return;
  const rule = ability.relevantRuleFor(action, tagged);
  throw new DomainError('FORBIDDEN', rule?.reason ?? `You are not allowed to ${action} this ${subjectName}`, {
    action,
    subject: subjectName,
  });
}
