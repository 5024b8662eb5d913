import { holdsRole } from '../access/roles.js';
import type { Role } from '../users/user.schemas.js';
import type { ApproverRole } from './approval.schemas.js';

/** A person who may be asked: their roles and whether their account is active. */
export interface Candidate {
  roles: readonly Role[];
  active: boolean;
}

/**
 * Everyone a stage of one request could ask, loaded by the engine: the
 * requester's management chain, the leads of the projects they are on during
 * the requested days, and the organisation-wide holders of the approver roles,
 * with each person's roles and status.
 */
export interface ApproverDirectory {
  requesterId: string;
  /** The requester's managers upwards, nearest first. */
  chain: readonly string[];
  /** Leads of projects the requester is allocated to on a requested day. */
  projectLeads: readonly string[];
  /** Every person named in chain or projectLeads, and every holder of hr, finance, ceo or admin. */
  people: ReadonlyMap<string, Candidate>;
}

const ORG_WIDE: Partial<Record<ApproverRole, Role>> = { hr: 'hr', finance: 'finance', ceo: 'ceo', admin: 'admin' };

function holdersOf(role: Role, directory: ApproverDirectory): string[] {
  const ids: string[] = [];
  for (const [id, person] of directory.people) if (holdsRole(person.roles, role)) ids.push(id);
  return ids;
}

/** The people one approver role names for this requester (before exclusions). */
export function namedBy(role: ApproverRole, directory: ApproverDirectory): string[] {
  const roleOf = (id: string) => directory.people.get(id)?.roles ?? [];
  switch (role) {
    case 'manager': {
      // The nearest manager up the chain (a Director or above also manages).
      const nearest = directory.chain.find((id) => holdsRole(roleOf(id), 'manager'));
      return nearest ? [nearest] : [];
    }
    case 'director':
      // Every Director (or above) the requester sits below.
      return directory.chain.filter((id) => holdsRole(roleOf(id), 'director'));
    case 'projectLead':
      return [...directory.projectLeads];
    default:
      return holdersOf(ORG_WIDE[role] as Role, directory);
  }
}

export interface ResolvedApprovers {
  eligible: string[];
  /** Nobody the roles name could decide; HR (or, without HR, Admin) were asked instead. */
  fallback: boolean;
}

/**
 * Who may decide a stage asking `roles`: everyone those roles name, once
 * each however many roles they hold, never the requester, never an inactive
 * (archived) account and never someone `excluded` (who already decided in
 * this workflow). When that leaves nobody, HR decides, or Admin without HR.
 */
export function resolveApprovers(
  roles: readonly ApproverRole[],
  directory: ApproverDirectory,
  excluded: ReadonlySet<string>,
): ResolvedApprovers {
  const usable = (id: string) =>
    id !== directory.requesterId && !excluded.has(id) && directory.people.get(id)?.active === true;
  const pick = (ids: readonly string[]) => [...new Set(ids)].filter(usable).sort();
  const eligible = pick(roles.flatMap((role) => namedBy(role, directory)));
  if (eligible.length > 0) return { eligible, fallback: false };
  for (const role of ['hr', 'admin'] as const) {
    const fallback = pick(holdersOf(role, directory));
    if (fallback.length > 0) return { eligible: fallback, fallback: true };
  }
  return { eligible: [], fallback: true };
}
