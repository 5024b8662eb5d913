import type { ContactInfo, PersonalInfo, Role, WorkLocation } from '@seed-pms/domain';

/** What the people and the projects seed share: the random source and the planned person. */

/** mulberry32: a tiny, fast 32-bit PRNG; plenty for test data, never for secrets. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A person of the demo organisation as planned: everything but ids. */
export interface PlannedPerson {
  name: string;
  email: string;
  /** Normalised (hierarchy first, then functional roles). */
  roles: Role[];
  department: string;
  /** A name from SEED_DESIGNATIONS. */
  designation: string;
  /** Index of the manager in the plan; null only for the CEO. Always an earlier index. */
  manager: number | null;
  /** YYYY-MM-DD */
  joinDate: string;
  workLocation: WorkLocation;
  skills: { name: string; level: number }[];
  hobbies: string[];
  bio: string;
  contact: ContactInfo;
  personal: PersonalInfo;
}
