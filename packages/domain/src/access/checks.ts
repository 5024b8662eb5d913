import { subject } from '@casl/ability';
import { DomainError } from '../errors/domain-error.js';
import type { Action, AppAbility, SubjectName, SubjectShapes } from './abilities.js';

/**
 * The authoritative check on a loaded object: 403 FORBIDDEN with the rule's
 * reason otherwise. Deciders call it with the ability they are given; the api's
 * assertCan builds the ability for an actor and calls it.
 */
export function mustBeAllowed<S extends SubjectName>(
  ability: AppAbility,
  action: Action,
  subjectName: S,
  object: SubjectShapes[S],
): void {
  const tagged = subject(subjectName, { ...object }) as Parameters<AppAbility['can']>[1];
  if (ability.can(action, tagged)) return;
  const rule = ability.relevantRuleFor(action, tagged);
  throw new DomainError('FORBIDDEN', rule?.reason ?? `You are not allowed to ${action} this ${subjectName}`, {
    action,
    subject: subjectName,
  });
}
