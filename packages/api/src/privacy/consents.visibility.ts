import type { Repositories } from '@seed-pms/db';
import { type Actor, currentConsentTextVersion } from '@seed-pms/domain';
import { permittedFields } from '../access/ability.js';

/**
 * Who sees a person's profile image. "Colleagues" see it only with the
 * person's consent (`profile.image`); the person, their managers up the chain,
 * HR and admins see it as they see the personal fields (abilities.ts), whatever
 * the consent says.
 */
export function createImageVisibility(repos: Pick<Repositories, 'consents' | 'employees'>) {
  /** Whether the actor reads everyone's personal fields (HR, admins): the rule for someone outside their chain. */
  const seesEveryone = (actor: Actor) =>
    permittedFields(actor, 'read', 'Employee', { id: '', managerChain: [] }, ['personal'] as const).includes(
      'personal',
    );

  return {
    /**
     * Of these people, those whose image the actor may see. One consent read
     * for all; the actor's reports are read only when someone left needs it.
     */
    async visibleAmong(actor: Actor, ids: readonly string[]): Promise<Set<string>> {
      const wanted = [...new Set(ids)];
      if (wanted.length === 0) return new Set();
      if (seesEveryone(actor)) return new Set(wanted);
      const visible = await repos.consents.grantedAmong(
        wanted,
        'profile.image',
        currentConsentTextVersion('profile.image'),
      );
      if (wanted.includes(actor.id)) visible.add(actor.id);
      const rest = wanted.filter((id) => !visible.has(id));
      if (rest.length > 0) {
        const below = new Set((await repos.employees.reportsBelow(actor.id)).map((p) => p.id));
        for (const id of rest) if (below.has(id)) visible.add(id);
      }
      return visible;
    },
  };
}
export type ImageVisibility = ReturnType<typeof createImageVisibility>;
