import type { ServiceDeps } from '../app/deps.js';

export type PersonOf = (id: string) => { id: string; name: string };

/** The cards of these people, as a function naming each (an unknown id reads as "Unknown person"). */
export async function namesOf(employees: ServiceDeps['repos']['employees'], ids: Iterable<string>): Promise<PersonOf> {
  const cards = await employees.cards([...new Set(ids)]);
  return (id) => ({ id, name: cards.get(id)?.name ?? 'Unknown person' });
}

export const iso = (at: Date | null) => at?.toISOString() ?? null;
