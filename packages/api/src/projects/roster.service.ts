import { newIdString, type PersonCard, rosterEntries } from '@seed-pms/db';
import {
  type AddRosterMemberInput,
  type AddRosterMembersInput,
  type AppAbility,
  type AuditEvent,
  assertProjectOpen,
  type BulkRosterResult,
  type CapacityLedgerRecord,
  type CapacityPolicy,
  capacityFlagOf,
  DomainError,
  dayInTimezone,
  dayNumber,
  decideRosterChange,
  endDayNumber,
  isDomainError,
  type LedgerSegment,
  mustBeAllowed,
  notFound,
  OPEN_END_DAY,
  type ProjectRecord,
  type ProjectScope,
  type RemoveRosterMemberInput,
  type RosterChangeResult,
  type RosterDecision,
  type RosterEntryView,
  type RosterQuery,
  type RosterRefusalView,
  type RosterRequest,
  type RosterRole,
  type RosterView,
  type UpdateRosterMemberInput,
} from '@seed-pms/domain';
import { abilityFor } from '../access/ability.js';
import type { ActorContext, CallContext } from '../app/call-context.js';
import type { ServiceDeps } from '../app/deps.js';
import type { AuditAs, AuditService } from '../audit/audit.service.js';
import type { EventBus } from '../events/event-bus.js';
import type { SettingsService } from '../settings/settings.service.js';
import { type AvailabilitySource, FULL_AVAILABILITY_EVERYWHERE } from './capacity.service.js';
import { createProjectTurns, type ProjectTurns } from './project-turns.js';

/** Attempts at a person's ledger before giving up (each lost race means another change of theirs landed). */
const LEDGER_ATTEMPTS = 60;

export interface ScopedProject {
  project: ProjectRecord;
  /** The actor's project-scoped roles, for ability checks. */
  scope: ProjectScope;
  today: string;
}

/** How a roster change is decided: who asks (null: the system), on what day, under which policy. */
export interface RosterTerms {
  ability: AppAbility | null;
  scope: ProjectScope;
  today: string;
  policy: CapacityPolicy;
}

/** A change decided and its ledger written; what remains is done after the turn (`settle`). */
export interface AppliedChange {
  userId: string;
  decision: RosterDecision;
  /** The ledger's new version; null when nothing changed (nothing was written). */
  version: number | null;
  /** What the audit trail records (a person named twice in a bulk addition has an event for each). */
  auditEvents: AuditEvent[];
}

/** A person of a bulk addition, checked against their ledger. */
interface PersonCheck {
  ledger: CapacityLedgerRecord;
  decisions: { index: number; decision: RosterDecision }[];
  refusals: { index: number; error: DomainError }[];
}

const additionOf = (member: {
  role: RosterRole;
  allocationPercent: number;
  startDate?: string | undefined;
  endDate?: string | null | undefined;
  allowOverAllocation?: boolean | undefined;
}): RosterRequest => ({
  kind: 'add',
  role: member.role,
  percent: member.allocationPercent,
  startDate: member.startDate,
  endDate: member.endDate,
  allowOverAllocation: member.allowOverAllocation,
});

export interface RosterService {
  /** Today in the organisation's timezone. */
  today(now: Date): Promise<string>;
  policy(now: Date): Promise<CapacityPolicy>;
  /** The project (404 when unknown) and the actor's roles on it, from their own ledger. */
  scoped(ctx: ActorContext, id: string): Promise<ScopedProject>;
  /** The actor's roles on a project. */
  scopeOf(actorId: string, projectId: string, today: string): Promise<ProjectScope>;
  /** Runs `fn` in the project's turn (see project-turns.ts). */
  inTurn<T>(projectId: string, fn: () => Promise<T>): Promise<T>;
  /**
   * In the project's turn: decides a change of one person on the loaded
   * project against their ledger and writes the ledger at the version read
   * (a lost race reads again and decides again), then the history.
   */
  apply(
    ctx: CallContext,
    project: ProjectRecord,
    userId: string,
    change: RosterRequest,
    terms: RosterTerms & { person?: PersonCard | null },
  ): Promise<AppliedChange>;
  /** After the turn: the halo and the audit entries of applied changes. */
  settle(ctx: CallContext, applied: readonly AppliedChange[], today: string, auditAs?: AuditAs): Promise<void>;
  roster(ctx: ActorContext, query: RosterQuery): Promise<RosterView>;
  entriesOf(projectId: string, today: string, history?: boolean): Promise<RosterEntryView[]>;
  addMember(ctx: ActorContext, input: AddRosterMemberInput): Promise<RosterChangeResult>;
  addMembers(ctx: ActorContext, input: AddRosterMembersInput): Promise<BulkRosterResult>;
  updateMember(ctx: ActorContext, input: UpdateRosterMemberInput): Promise<RosterChangeResult>;
  removeMember(ctx: ActorContext, input: RemoveRosterMemberInput): Promise<RosterChangeResult>;
  /** Where availability comes from (the leave area), for the block policy and the halos. */
  setAvailability(source: AvailabilitySource): void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const ledgerBusy = (userId: string) =>
  new DomainError('RESOURCE_BUSY', 'Too many simultaneous changes to this person’s allocations; try again', {
    userId,
    retryAfterSeconds: 1,
  });

const refusalOf = (error: DomainError): RosterRefusalView => ({
  code: error.code,
  message: error.message,
  ...(error.details === undefined ? {} : { details: error.details }),
});

/**
 * The roster use cases. Each is load → decide (decideRosterChange, pure) →
 * persist (the person's ledger at the version read, then the history, in the
 * project's turn) → settle (halo, audit, after the turn) → view.
 */
export function createRosterService(
  deps: Pick<ServiceDeps, 'repos'>,
  services: { audit: AuditService; settings: SettingsService; turns?: ProjectTurns; events?: EventBus },
): RosterService {
  const { projects, capacity, assignments, employees, leases } = deps.repos;
  const { audit, settings } = services;
  const turns = services.turns ?? createProjectTurns(leases);
  let availabilityOf: AvailabilitySource = FULL_AVAILABILITY_EVERYWHERE;
  const spansOf = async (userIds: readonly string[], from: string) => availabilityOf(userIds, from, OPEN_END_DAY);

  const today = async (now: Date) => dayInTimezone(now, (await settings.current(now)).organization.timezone);
  const policy = async (now: Date) => (await settings.current(now)).capacity.policy;

  async function scopeOf(actorId: string, projectId: string, day: string): Promise<ProjectScope> {
    const own = (await capacity.get(actorId)).segments.filter(
      (s) => s.projectId === projectId && endDayNumber(s.end) >= dayNumber(day),
    );
    return {
      memberIds: own.length > 0 ? [actorId] : [],
      leadIds: own.some((s) => s.role === 'lead') ? [actorId] : [],
    };
  }

  async function load(id: string): Promise<ProjectRecord> {
    const project = await projects.get(id);
    if (!project) throw notFound('Project', id);
    return project;
  }

  async function scoped(ctx: ActorContext, id: string): Promise<ScopedProject> {
    const [project, day] = await Promise.all([load(id), today(ctx.now)]);
    return { project, scope: await scopeOf(ctx.actor.id, project.id, day), today: day };
  }

  /** Names of the projects a ledger mentions, added to `names` (read once each). */
  async function learnNames(names: Map<string, string>, segments: readonly LedgerSegment[]) {
    const missing = [...new Set(segments.map((s) => s.projectId))].filter((id) => !names.has(id));
    if (missing.length === 0) return;
    for (const [id, name] of await projects.names(missing)) names.set(id, name);
  }

  async function writeHistory(ctx: CallContext, userId: string, decision: RosterDecision) {
    const created = new Set(decision.plan.create.map((s) => s.id));
    await assignments.record({
      userId,
      create: decision.ledgerAfter.filter((s) => created.has(s.id)),
      retire: decision.plan.retire.map((s) => s.id),
      by: ctx.actor?.id ?? null,
      now: ctx.now,
    });
  }

  const apply: RosterService['apply'] = async (ctx, project, userId, change, terms) => {
    const names = new Map([[project.id, project.name]]);
    const availability = (await spansOf([userId], terms.today)).get(userId) ?? [];
    for (let attempt = 1; ; attempt += 1) {
      const ledger = await capacity.get(userId);
      await learnNames(names, ledger.segments);
      const decision = decideRosterChange({
        availability,
        project,
        userId,
        person: terms.person,
        ledger,
        change,
        ability: terms.ability,
        scope: terms.scope,
        today: terms.today,
        policy: terms.policy,
        projectNames: names,
        newId: newIdString,
      });
      // Nothing to change (an idempotent repeat): no write, no new ledger version.
      if (!decision.changed) return { userId, decision, version: null, auditEvents: [] };
      const version = await capacity.writeLedger(userId, ledger.version, decision.ledgerAfter, ctx.now);
      if (version !== null) {
        await writeHistory(ctx, userId, decision);
        return { userId, decision, version, auditEvents: decision.auditEvents };
      }
      if (attempt >= LEDGER_ATTEMPTS) throw ledgerBusy(userId);
      await sleep(Math.random() * Math.min(attempt * 2, 20));
    }
  };

  async function settle(ctx: CallContext, applied: readonly AppliedChange[], day: string, auditAs?: AuditAs) {
    const written = applied.filter((a) => a.version !== null);
    const spans = await spansOf(
      written.map((a) => a.userId),
      day,
    );
    const flagOf = (a: AppliedChange) => capacityFlagOf(a.decision.ledgerAfter, day, spans.get(a.userId) ?? []);
    // Side by side: halos of different people are different documents, and audit
    // entries queue in the order they are given (the chain appends them in batches).
    await Promise.all([
      ...written.map((a) => employees.setCapacityFlag(a.userId, flagOf(a), a.version as number, ctx.now)),
      ...written.flatMap((a) => a.auditEvents.map((event) => audit.record(ctx, event, auditAs))),
    ]);
    // People a change leaves allocated above their availability: their projects' leads hear of it.
    const over = written.filter((a) => flagOf(a).overAllocated);
    const first = over[0]?.decision;
    const planned = new Set([...(first?.plan.create ?? []), ...(first?.plan.keep ?? [])].map((s) => s.id));
    const projectId = first?.ledgerAfter.find((s) => planned.has(s.id))?.projectId;
    if (over.length > 0 && projectId && services.events) {
      await services.events.publish('capacity.overallocated', {
        userIds: [...new Set(over.map((a) => a.userId))],
        projectId,
        by: ctx.actor?.id ?? null,
        at: ctx.now,
      });
    }
  }

  async function entriesOf(projectId: string, day: string, history = false) {
    const records = await assignments.ofProject(projectId, { history });
    const people = await employees.cards([...new Set(records.map((r) => r.userId))]);
    return rosterEntries(records, people, day);
  }

  async function entryFor(projectId: string, userId: string, day: string): Promise<RosterEntryView | null> {
    const records = await assignments.ofMember(projectId, userId);
    return rosterEntries(records, await employees.cards([userId]), day)[0] ?? null;
  }

  /** One person's change requested through the API: decided in the project's turn, answered with their entry. */
  async function changeOne(
    ctx: ActorContext,
    projectId: string,
    userId: string,
    change: RosterRequest,
    person?: PersonCard | null,
  ): Promise<RosterChangeResult> {
    const [day, current] = await Promise.all([today(ctx.now), policy(ctx.now)]);
    const ability = abilityFor(ctx.actor);
    const applied = await turns.run(projectId, async () => {
      const project = await load(projectId);
      const scope = await scopeOf(ctx.actor.id, project.id, day);
      return apply(ctx, project, userId, change, { ability, scope, today: day, policy: current, person });
    });
    await settle(ctx, [applied], day);
    return { entry: await entryFor(projectId, userId, day), warning: applied.decision.breach };
  }

  /**
   * A bulk addition, in one turn of the project: every member is checked
   * first, in order (a person named twice is checked against the ledger
   * their first stint leaves), and if any is refused nothing is written (422
   * ROSTER_BULK_REFUSED naming each refusal). Then each person's ledger is
   * written at the version checked. A change of one of them on another
   * project can land between the check and the write (their ledger is not
   * this project's to hold); that person is then checked again on their new
   * ledger and, if they no longer fit, left out alone with the reason in
   * their result, while the others stay added.
   */
  async function addMembers(ctx: ActorContext, input: AddRosterMembersInput): Promise<BulkRosterResult> {
    const [day, current] = await Promise.all([today(ctx.now), policy(ctx.now)]);
    const ability = abilityFor(ctx.actor);
    const userIds = [...new Set(input.members.map((m) => m.userId))];
    const [people, spans] = await Promise.all([employees.cards(userIds), spansOf(userIds, day)]);
    const indexesOf = (userId: string) => input.members.flatMap((m, index) => (m.userId === userId ? [index] : []));

    const outcome = await turns.run(input.id, async () => {
      const project = await load(input.id);
      const scope = await scopeOf(ctx.actor.id, project.id, day);
      // Refusals that concern the whole request come as themselves.
      mustBeAllowed(ability, 'create', 'ProjectRoster', { projectId: project.id, ...scope });
      assertProjectOpen(project, 'its roster');
      const names = new Map([[project.id, project.name]]);

      /** The person's additions in order, each on the ledger the previous one leaves. */
      const check = async (userId: string, ledger: CapacityLedgerRecord): Promise<PersonCheck> => {
        await learnNames(names, ledger.segments);
        const state: PersonCheck = { ledger, decisions: [], refusals: [] };
        let segments = ledger.segments;
        for (const index of indexesOf(userId)) {
          const member = input.members[index] as AddRosterMembersInput['members'][number];
          try {
            const decision = decideRosterChange({
              project,
              userId,
              person: people.get(userId) ?? null,
              availability: spans.get(userId) ?? [],
              ledger: { segments },
              change: additionOf(member),
              ability,
              scope,
              today: day,
              policy: current,
              projectNames: names,
              newId: newIdString,
            });
            segments = decision.ledgerAfter;
            state.decisions.push({ index, decision });
          } catch (error) {
            if (!isDomainError(error)) throw error;
            state.refusals.push({ index, error });
          }
        }
        return state;
      };

      // Every member is checked before anything is written.
      const ledgers = await Promise.all(userIds.map((userId) => capacity.get(userId)));
      const checks = new Map<string, PersonCheck>();
      for (const ledger of ledgers) checks.set(ledger.userId, await check(ledger.userId, ledger));
      const refused = [...checks.values()].flatMap((c) => c.refusals).sort((a, b) => a.index - b.index);
      if (refused.length > 0) {
        throw new DomainError(
          'ROSTER_BULK_REFUSED',
          `${refused.length} of ${input.members.length} members cannot be added, so none was`,
          {
            members: refused.map(({ index, error }) => ({
              index,
              userId: input.members[index]?.userId,
              ...refusalOf(error),
            })),
          },
        );
      }

      // Then each person's ledger is written at the version checked (people side by side).
      const results: BulkRosterResult['items'] = [];
      const applied: AppliedChange[] = [];
      const write = async (userId: string) => {
        let state = checks.get(userId) as PersonCheck;
        for (let attempt = 1; ; attempt += 1) {
          const first = state.refusals[0];
          if (first) {
            // A change of theirs on another project landed after the check; they no longer fit.
            for (const index of indexesOf(userId)) {
              const error = refusalOf(first.error);
              results.push({ index, userId, outcome: 'refused', entry: null, warning: null, error });
            }
            return;
          }
          const last = state.decisions.at(-1)?.decision as RosterDecision;
          const version = await capacity.writeLedger(userId, state.ledger.version, last.ledgerAfter, ctx.now);
          if (version !== null) {
            for (const { index, decision } of state.decisions) {
              await writeHistory(ctx, userId, decision);
              results.push({ index, userId, outcome: 'added', entry: null, warning: decision.breach, error: null });
            }
            const auditEvents = state.decisions.flatMap((d) => d.decision.auditEvents);
            applied.push({ userId, decision: last, version, auditEvents });
            return;
          }
          if (attempt >= LEDGER_ATTEMPTS) throw ledgerBusy(userId);
          state = await check(userId, await capacity.get(userId));
        }
      };
      await Promise.all(userIds.map(write));
      return { results, applied };
    });

    await settle(ctx, outcome.applied, day);
    const entries = new Map((await entriesOf(input.id, day)).map((e) => [e.userId, e]));
    return {
      items: outcome.results
        .sort((a, b) => a.index - b.index)
        .map((r) => (r.outcome === 'added' ? { ...r, entry: entries.get(r.userId) ?? null } : r)),
    };
  }

  return {
    setAvailability(source) {
      availabilityOf = source;
    },
    today,
    policy,
    scoped,
    scopeOf,
    inTurn: (projectId, fn) => turns.run(projectId, fn),
    apply,
    settle,
    entriesOf,

    async roster(ctx, query) {
      const { project, today: day } = await scoped(ctx, query.id);
      const list = await entriesOf(project.id, day, query.include === 'history');
      return {
        items: query.include === 'current' ? list.filter((e) => e.state !== 'past') : list,
      };
    },

    async addMember(ctx, input) {
      const person = (await employees.cards([input.userId])).get(input.userId) ?? null;
      return changeOne(ctx, input.id, input.userId, additionOf(input), person);
    },

    addMembers,

    updateMember(ctx, input) {
      return changeOne(ctx, input.id, input.userId, {
        kind: 'update',
        role: input.role,
        percent: input.allocationPercent,
        effectiveFrom: input.effectiveFrom,
        startDate: input.startDate,
        endDate: input.endDate,
        allowOverAllocation: input.allowOverAllocation,
      });
    },

    removeMember(ctx, input) {
      return changeOne(ctx, input.id, input.userId, { kind: 'remove', lastDay: input.lastDay });
    },
  };
}
