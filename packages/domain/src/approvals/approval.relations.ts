import { holdsRole } from '../access/roles.js';
import type { Role } from '../users/user.schemas.js';
import type { ApproverRole, EscalationTarget } from './approval.schemas.js';

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
  /** Every person named in chain, projectLeads or delegations, and every holder of hr, finance, ceo or admin. */
  people: ReadonlyMap<string, Candidate>;
  /** The delegations active now for this request's kind: `delegateId` decides for `delegatorId`. */
  delegations: readonly { delegatorId: string; delegateId: string }[];
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

/**
 * The deputies of a stage: for each person it asks, the delegates of their
 * active delegations. One level only (a delegate's own delegation does not pass
 * on what was delegated to them), never the requester, never an inactive
 * account, never someone `excluded` (who already decided in this round).
 */
export function deputiesOf(
  principals: readonly string[],
  directory: ApproverDirectory,
  excluded: ReadonlySet<string>,
): { delegateId: string; forId: string }[] {
  const asked = new Set(principals);
  const deputies: { delegateId: string; forId: string }[] = [];
  const seen = new Set<string>();
  for (const { delegatorId, delegateId } of directory.delegations) {
    if (!asked.has(delegatorId) || delegateId === delegatorId) continue;
    if (delegateId === directory.requesterId || excluded.has(delegateId)) continue;
    if (directory.people.get(delegateId)?.active !== true) continue;
    const key = `${delegateId}:${delegatorId}`;
    if (seen.has(key)) continue;
    seen.add(key);
    deputies.push({ delegateId, forId: delegatorId });
  }
  return deputies.sort((a, b) => a.forId.localeCompare(b.forId) || a.delegateId.localeCompare(b.delegateId));
}

/**
 * Who an escalation asks in addition to those already asked: the roles'
 * people, and for `nextLevel` the manager above the highest of the requester's
 * managers already asked (the requester's own manager when none was). Never
 * the requester, an inactive account, someone `excluded` or someone already asked.
 */
export function escalationTargets(
  targets: readonly EscalationTarget[],
  asked: readonly string[],
  directory: ApproverDirectory,
  excluded: ReadonlySet<string>,
): string[] {
  const already = new Set(asked);
  const named: string[] = [];
  for (const target of targets) {
    if (target !== 'nextLevel') {
      named.push(...namedBy(target, directory));
      continue;
    }
    const highest = Math.max(-1, ...asked.map((id) => directory.chain.indexOf(id)));
    const above = directory.chain[highest + 1];
    if (above) named.push(above);
  }
  return [...new Set(named)]
    .filter(
      (id) =>
        id !== directory.requesterId &&
        !already.has(id) &&
        !excluded.has(id) &&
        directory.people.get(id)?.active === true,
    )
    .sort();
}
