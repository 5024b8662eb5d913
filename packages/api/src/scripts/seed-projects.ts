import { assignmentOf, newIdString, type Repositories } from '@seed-pms/db';
import {
  type AssignmentRecord,
  addDays,
  type CapacityFlag,
  type CapacityLedgerRecord,
  capacityFlagOf,
  catalogNameKey,
  dayInTimezone,
  dayNumber,
  holdsRole,
  type LedgerSegment,
  type ProjectRecord,
  type ProjectStatus,
  type Role,
  type RosterRole,
} from '@seed-pms/domain';
import { mulberry32, type PlannedPerson } from './seed-common.js';

/**
 * Demo projects for `pnpm seed`: about one project per eight people, each led
 * by someone who can lead and staffed from the lead's department and beyond,
 * with allocations that keep almost everyone at or below 100% and a few
 * people deliberately above it (the red halo has something to show). Drawn
 * from the same seeded PRNG as the people, relative to `now`.
 */
export interface PlannedAllocation {
  person: number;
  role: RosterRole;
  percent: number;
  start: string;
  end: string;
}

export interface PlannedProject {
  name: string;
  code: string;
  description: string;
  status: ProjectStatus;
  startDate: string;
  endDate: string;
  tags: string[];
  allocations: PlannedAllocation[];
}

const PROJECT_WORDS = [
  'Apollo',
  'Borealis',
  'Cobalt',
  'Delta',
  'Ember',
  'Falcon',
  'Granite',
  'Harbor',
  'Ion',
  'Juniper',
  'Keystone',
  'Lumen',
  'Meridian',
  'Nimbus',
  'Orion',
  'Pioneer',
  'Quartz',
  'Redwood',
  'Summit',
  'Tundra',
  'Unity',
  'Vertex',
  'Willow',
  'Xenon',
  'Yukon',
  'Zenith',
];
const PROJECT_KINDS = [
  'Platform',
  'Portal',
  'Migration',
  'Analytics',
  'Mobile App',
  'Billing',
  'Onboarding',
  'Data Lake',
  'Redesign',
  'Integration',
  'Automation',
  'Compliance',
];
const TAGS = ['web', 'mobile', 'data', 'internal', 'client', 'infra', 'security', 'ai', 'finance', 'ops'];
const PERCENTS = [20, 25, 30, 40, 50, 60];

const pick = <T>(random: () => number, items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;

export function planProjects(
  people: readonly Pick<PlannedPerson, 'roles' | 'department'>[],
  options: { seed: number; now: Date },
): PlannedProject[] {
  const random = mulberry32(options.seed ^ 0x5eed);
  const today = dayInTimezone(options.now, 'UTC');
  const count = Math.max(5, Math.round(people.length / 8));
  const leaders = people.map((p, i) => ({ ...p, index: i })).filter((p) => holdsRole(p.roles as Role[], 'projectLead'));
  // Each person's allocations never add up past 100% whatever their dates, except the few chosen below.
  const budget = people.map(() => 100);
  const projects: PlannedProject[] = [];
  for (let n = 0; n < count; n += 1) {
    const start = addDays(today, Math.floor(random() * 540) - 360);
    const end = addDays(start, 90 + Math.floor(random() * 450));
    const status: ProjectStatus =
      dayNumber(end) < dayNumber(today)
        ? 'completed'
        : dayNumber(start) > dayNumber(today)
          ? 'planned'
          : random() < 0.1
            ? 'onHold'
            : 'active';
    const lead = leaders.length ? pick(random, leaders) : { index: 0, department: people[0]?.department ?? '' };
    const word = PROJECT_WORDS[n % PROJECT_WORDS.length] as string;
    const kind = pick(random, PROJECT_KINDS);
    const round = Math.floor(n / PROJECT_WORDS.length);
    const allocations: PlannedAllocation[] = [];
    const take = (person: number, role: RosterRole, percent: number) => {
      if (allocations.some((a) => a.person === person) || budget[person] === undefined) return;
      const share = Math.min(percent, budget[person] as number);
      if (share < 10) return;
      budget[person] = (budget[person] as number) - share;
      const from = addDays(start, Math.floor(random() * 30));
      allocations.push({ person, role, percent: share, start: from, end: addDays(end, -Math.floor(random() * 30)) });
    };
    take(lead.index, 'lead', 20);
    const size = 3 + Math.floor(random() * 8);
    for (let tries = 0; allocations.length < size && tries < size * 6; tries += 1) {
      const candidate = Math.floor(random() * people.length);
      const sameDepartment = people[candidate]?.department === lead.department;
      if (sameDepartment || random() < 0.25) take(candidate, 'member', pick(random, PERCENTS));
    }
    projects.push({
      name: `${word} ${kind}${round ? ` ${round + 1}` : ''}`,
      code: `${word.slice(0, 3).toUpperCase()}-${String(n + 1).padStart(3, '0')}`,
      description: `${kind} work for the ${lead.department} department.`,
      status,
      startDate: start,
      endDate: end,
      tags: [pick(random, TAGS), pick(random, TAGS)].filter((t, i, all) => all.indexOf(t) === i),
      allocations,
    });
  }
  // About one person in a hundred (at least three) is booked past 100% today: 80% on one
  // running project and 40% on another.
  const running = projects.filter((p) => p.status === 'active');
  const overBooked = Math.max(3, Math.round(people.length / 100));
  for (let i = 0; i < overBooked && running.length > 1; i += 1) {
    const first = running[i % running.length] as PlannedProject;
    const second = running[(i + 1) % running.length] as PlannedProject;
    const member = first.allocations.find(
      (a) => a.role === 'member' && a.percent !== 80 && !second.allocations.some((b) => b.person === a.person),
    );
    if (!member) continue;
    Object.assign(member, { percent: 80, start: first.startDate, end: first.endDate });
    second.allocations.push({
      person: member.person,
      role: 'member',
      percent: 40,
      start: second.startDate,
      end: second.endDate,
    });
  }
  return projects;
}

export interface ProjectSeed {
  projects: ProjectRecord[];
  ledgers: Pick<CapacityLedgerRecord, 'userId' | 'segments'>[];
  history: AssignmentRecord[];
  /** The halo of every allocated person, by id: written with the profiles, not after them. */
  flags: Map<string, CapacityFlag>;
}

/**
 * The records for planned projects and rosters: the projects (names and codes
 * an earlier seeding took get a number), each person's capacity ledger, the
 * assignment history and the halos. Ids are drawn here (newIdString), so the
 * profiles written next can carry their halos.
 */
export async function buildProjectSeed(
  repos: Pick<Repositories, 'projects'>,
  plan: readonly PlannedProject[],
  employeeIds: readonly string[],
  now: Date,
): Promise<ProjectSeed> {
  const today = dayInTimezone(now, 'UTC');
  const ledgers = new Map<string, LedgerSegment[]>();
  const taken = await repos.projects.liveKeys();
  const free = (name: string, code: string) => {
    for (let n = 1; ; n += 1) {
      const [tryName, tryCode] = n === 1 ? [name, code] : [`${name} (${n})`, `${code}-${n}`];
      if (!taken.has(catalogNameKey(tryName)) && !taken.has(catalogNameKey(tryCode))) {
        taken.add(catalogNameKey(tryName)).add(catalogNameKey(tryCode));
        return { name: tryName, code: tryCode };
      }
    }
  };
  const projects: ProjectRecord[] = plan.map((planned) => {
    const id = newIdString();
    const p = { ...planned, ...free(planned.name, planned.code) };
    for (const a of p.allocations) {
      const person = employeeIds[a.person] as string;
      const segments = ledgers.get(person) ?? [];
      segments.push({ id: newIdString(), projectId: id, role: a.role, percent: a.percent, start: a.start, end: a.end });
      ledgers.set(person, segments);
    }
    return {
      id,
      name: p.name,
      code: p.code,
      description: p.description,
      status: p.status,
      startDate: p.startDate,
      endDate: p.endDate,
      tags: p.tags,
      typeId: null,
      archivedAt: null,
      archivedBy: null,
      createdBy: null,
      version: 1,
      createdAt: now,
      updatedAt: now,
    };
  });
  const seeded = [...ledgers].map(([userId, segments]) => ({ userId, segments }));
  return {
    projects,
    ledgers: seeded,
    history: seeded.flatMap((l) => l.segments.map((s) => assignmentOf(l.userId, s, now, null))),
    flags: new Map(seeded.map((l) => [l.userId, capacityFlagOf(l.segments, today)])),
  };
}

/** Writes what buildProjectSeed made (after the profiles it refers to), each kind in bulk. */
export async function writeProjectSeed(
  repos: Pick<Repositories, 'projects' | 'capacity' | 'assignments'>,
  seed: ProjectSeed,
  now: Date,
): Promise<{ projects: number; allocations: number; overAllocated: number }> {
  await repos.projects.insertMany(seed.projects);
  await repos.capacity.insertMany(seed.ledgers, now);
  await repos.assignments.insertMany(seed.history);
  return {
    projects: seed.projects.length,
    allocations: seed.history.length,
    overAllocated: [...seed.flags.values()].filter((f) => f.overAllocated).length,
  };
}
