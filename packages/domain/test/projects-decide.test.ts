import { describe, expect, it } from 'vitest';
import {
  type CapacityPolicy,
  DomainError,
  decideProjectArchive,
  decideProjectUpdate,
  decideRosterChange,
  defineAbilityFor,
  type LedgerSegment,
  type ProjectRecord,
  type ProjectScope,
  type ProjectUpdateRequest,
  type Role,
  type RosterDecisionInput,
  type RosterRequest,
  type UserStatus,
} from '../src/index.js';

/** Every decision below is taken on this day: nothing here reads a clock. */
const TODAY = '2031-06-15';
const P = 'p0000000000000000000000a';
const OTHER = 'p0000000000000000000000b';
const PERSON = 'u0000000000000000000000a';
const LEAD = 'u0000000000000000000000b';

const ability = (roles: Role[], id = LEAD) => defineAbilityFor({ id, roles });
const manager = ability(['manager'], 'u00000000000000000000000m');
const employee = ability(['employee']);
const leadScope: ProjectScope = { leadIds: [LEAD], memberIds: [LEAD] };
const noScope: ProjectScope = { leadIds: [], memberIds: [] };

const project: ProjectRecord = {
  id: P,
  name: 'Apollo',
  code: null,
  description: '',
  status: 'active',
  startDate: '2031-01-01',
  endDate: '2031-12-31',
  tags: [],
  typeId: null,
  archivedAt: null,
  archivedBy: null,
  createdBy: null,
  version: 3,
  createdAt: new Date('2031-01-01T00:00:00Z'),
  updatedAt: new Date('2031-01-01T00:00:00Z'),
};

const seg = (id: string, start: string, end: string | null, percent: number, projectId = P): LedgerSegment => ({
  id,
  projectId,
  role: 'member',
  percent,
  start,
  end,
});

/** The decider's input: a lead of the project asking, block policy, ids s1, s2, … */
function input(change: RosterRequest, over: Partial<RosterDecisionInput> = {}): RosterDecisionInput {
  let next = 0;
  return {
    project,
    userId: PERSON,
    person: { status: 'active' as UserStatus },
    ledger: { segments: [] },
    change,
    ability: employee,
    scope: leadScope,
    today: TODAY,
    policy: 'block' as CapacityPolicy,
    projectNames: new Map([
      [P, 'Apollo'],
      [OTHER, 'Borealis'],
    ]),
    newId: () => {
      next += 1;
      return `n${next}`;
    },
    ...over,
  };
}

/** The code (and details, when given) a refused decision throws. */
function refusal(run: () => unknown): { code: string; details: unknown } {
  try {
    run();
  } catch (error) {
    if (error instanceof DomainError) return { code: error.code, details: error.details };
    throw error;
  }
  throw new Error('expected the decision to be refused');
}

const add = (fields: Partial<Extract<RosterRequest, { kind: 'add' }>> = {}): RosterRequest => ({
  kind: 'add',
  role: 'member',
  percent: 30,
  ...fields,
});

describe('decideRosterChange: refusals, each with its own code', () => {
  const busy = { segments: [seg('o1', '2031-01-01', '2031-12-31', 80, OTHER)] };
  const onProject = { segments: [seg('s1', '2031-01-01', '2031-12-31', 40)] };
  const planned = { segments: [seg('s1', '2031-08-01', '2031-09-30', 40)] };
  const cases: [string, RosterDecisionInput, string, unknown?][] = [
    ['someone without rights on the project', input(add(), { scope: noScope }), 'FORBIDDEN'],
    ['an archived project', input(add(), { project: { ...project, status: 'archived' } }), 'PROJECT_ARCHIVED'],
    ['nobody with that id', input(add(), { person: null }), 'REFERENCE_NOT_FOUND', { field: 'userId', id: PERSON }],
    [
      'an archived person',
      input(add(), { person: { status: 'archived' } }),
      'REFERENCE_INACTIVE',
      { field: 'userId', id: PERSON, status: 'archived' },
    ],
    [
      'a lead starting someone in the past',
      input(add({ startDate: '2031-06-01' })),
      'PAST_DAYS_NEED_MANAGER',
      { field: 'startDate', day: '2031-06-01' },
    ],
    [
      'an end before the start',
      input(add({ startDate: '2031-07-01', endDate: '2031-06-30' })),
      'INVALID_PERIOD',
      { startDate: '2031-07-01', endDate: '2031-06-30' },
    ],
    [
      'days outside the project',
      input(add({ startDate: '2031-07-01', endDate: '2032-01-31' })),
      'OUTSIDE_PROJECT_PERIOD',
      { startDate: '2031-07-01', endDate: '2032-01-31', projectStart: '2031-01-01', projectEnd: '2031-12-31' },
    ],
    [
      'days the person already has on the project',
      input(add({ startDate: '2031-09-01' }), { ledger: planned }),
      'ROSTER_OVERLAP',
      { userId: PERSON, startDate: '2031-08-01', endDate: '2031-09-30' },
    ],
    [
      'a lead accepting over-allocation',
      input(add({ allowOverAllocation: true }), { ledger: busy }),
      'OVER_ALLOCATION_NEEDS_MANAGER',
      { field: 'allowOverAllocation' },
    ],
    ['above 100% under the block policy', input(add(), { ledger: busy }), 'CAPACITY_EXCEEDED'],
    ['a change of nothing', input({ kind: 'update' }, { ledger: onProject }), 'VALIDATION_FAILED'],
    ['someone not on the roster', input({ kind: 'update', percent: 50 }), 'NOT_FOUND'],
    [
      'moving a start that has come',
      input({ kind: 'update', startDate: '2031-07-01' }, { ledger: onProject }),
      'ALLOCATION_STARTED',
      { startDate: '2031-01-01' },
    ],
    [
      'a lead changing past days',
      input({ kind: 'update', percent: 50, effectiveFrom: '2031-05-01' }, { ledger: onProject }),
      'PAST_DAYS_NEED_MANAGER',
      { field: 'effectiveFrom', day: '2031-05-01' },
    ],
    [
      'a change from after the allocation ends',
      input({ kind: 'update', percent: 50, effectiveFrom: '2031-10-01' }, { ledger: planned }),
      'ALLOCATION_ENDED',
      { effectiveFrom: '2031-10-01', endDate: '2031-09-30' },
    ],
    [
      'new dates that leave no day',
      input({ kind: 'update', endDate: '2031-07-20' }, { ledger: planned }),
      'ALLOCATION_WOULD_BE_EMPTY',
    ],
    [
      'a lead ending someone before yesterday',
      input({ kind: 'remove', lastDay: '2031-06-01' }, { ledger: onProject }),
      'PAST_DAYS_NEED_MANAGER',
      { field: 'lastDay', day: '2031-06-01' },
    ],
    [
      'a lead cutting past days with a new period',
      input({ kind: 'clip', first: '2031-03-01', last: '2031-12-31' }, { ledger: onProject }),
      'PAST_DAYS_NEED_MANAGER',
      { userId: PERSON },
    ],
  ];
  it.each(cases)('refuses %s', (_name, decision, code, details) => {
    const refused = refusal(() => decideRosterChange(decision));
    expect(refused.code).toBe(code);
    if (details !== undefined) expect(refused.details).toEqual(details);
  });

  it('names the interval and the allocations adding up to a breach', () => {
    const refused = refusal(() => decideRosterChange(input(add({ startDate: '2031-07-01' }), { ledger: busy })));
    expect(refused.details).toEqual({
      userId: PERSON,
      start: '2031-07-01',
      end: '2031-12-31',
      totalPercent: 110,
      availablePercent: 100,
      allocations: [
        { projectId: OTHER, projectName: 'Borealis', allocationPercent: 80, segmentId: 'o1' },
        { projectId: P, projectName: 'Apollo', allocationPercent: 30, segmentId: 'n1' },
      ],
      policy: 'block',
      hint: expect.any(String),
    });
  });
});

describe('decideRosterChange: accepted changes', () => {
  it('an addition defaults to today (the project has begun) until the project’s end', () => {
    const decision = decideRosterChange(input(add()));
    expect(decision.changed).toBe(true);
    expect(decision.plan.create).toEqual([{ id: 'n1', role: 'member', percent: 30, start: TODAY, end: '2031-12-31' }]);
    expect(decision.ledgerAfter).toEqual([{ ...decision.plan.create[0], projectId: P }]);
    expect(decision.breach).toBeNull();
    expect(decision.auditEvents).toEqual([
      {
        action: 'project.roster.add',
        resourceType: 'project',
        resourceId: P,
        before: { userId: PERSON, segments: [] },
        after: { userId: PERSON, segments: decision.plan.create },
      },
    ]);
  });

  it('a planned project: the addition starts on its first day', () => {
    const later = { ...project, startDate: '2031-09-01' };
    expect(decideRosterChange(input(add(), { project: later })).plan.create[0]?.start).toBe('2031-09-01');
  });

  it('a Manager corrects past days', () => {
    const decision = decideRosterChange(input(add({ startDate: '2031-02-01' }), { ability: manager, scope: noScope }));
    expect(decision.plan.create[0]).toMatchObject({ start: '2031-02-01' });
  });

  it('over 100%: accepted with the breach under warn, or by a Manager’s override (audited)', () => {
    const busy = { segments: [seg('o1', '2031-01-01', '2031-12-31', 80, OTHER)] };
    const warned = decideRosterChange(input(add(), { ledger: busy, policy: 'warn' }));
    expect(warned).toMatchObject({ overridden: false, breach: { totalPercent: 110, start: TODAY } });
    const overridden = decideRosterChange(
      input(add({ allowOverAllocation: true }), { ledger: busy, ability: manager, scope: noScope }),
    );
    expect(overridden.overridden).toBe(true);
    expect(overridden.auditEvents[0]?.details).toEqual({ overAllocation: overridden.breach, overridden: true });
  });

  it('lowering an allocation on days already above 100% is accepted without a breach', () => {
    const over = {
      segments: [seg('o1', '2031-01-01', '2031-12-31', 80, OTHER), seg('s1', '2031-01-01', '2031-12-31', 40)],
    };
    const decision = decideRosterChange(input({ kind: 'update', percent: 30 }, { ledger: over }));
    expect(decision.breach).toBeNull();
    expect(decision.plan.create.map((s) => [s.start, s.end, s.percent])).toEqual([
      ['2031-01-01', '2031-06-14', 40],
      [TODAY, '2031-12-31', 30],
    ]);
    // The other project's segment is carried over untouched.
    expect(decision.ledgerAfter.filter((s) => s.projectId === OTHER)).toEqual([over.segments[0]]);
  });

  it('a repeat that changes nothing is not written', () => {
    const decision = decideRosterChange(
      input({ kind: 'update', percent: 40 }, { ledger: { segments: [seg('s1', '2031-01-01', '2031-12-31', 40)] } }),
    );
    expect(decision).toMatchObject({ changed: false, auditEvents: [] });
  });

  it('a removal ends the person’s time yesterday by default; planned days are dropped', () => {
    const ledger = { segments: [seg('s1', '2031-01-01', '2031-06-30', 40), seg('s2', '2031-08-01', null, 20)] };
    const decision = decideRosterChange(input({ kind: 'remove' }, { ledger }));
    expect(decision.plan.create.map((s) => [s.start, s.end])).toEqual([['2031-01-01', '2031-06-14']]);
    expect(decision.plan.retire.map((s) => s.id).sort()).toEqual(['s1', 's2']);
    expect(decision.auditEvents[0]?.action).toBe('project.roster.remove');
  });

  it('the system ends allocations on an archived project (archiving a person or the project)', () => {
    const decision = decideRosterChange(
      input(
        { kind: 'end', lastDay: TODAY },
        {
          ability: null,
          project: { ...project, status: 'archived' },
          ledger: { segments: [seg('s1', '2031-01-01', null, 40)] },
        },
      ),
    );
    expect(decision.plan.create.map((s) => [s.start, s.end])).toEqual([['2031-01-01', TODAY]]);
    expect(decision.auditEvents[0]?.action).toBe('project.roster.end');
  });

  it('two stints of one person are decided one after the other on the ledger the first leaves', () => {
    const first = decideRosterChange(input(add({ startDate: '2031-07-01', endDate: '2031-07-31' })));
    const second = input(add({ startDate: '2031-09-01', endDate: '2031-09-30' }), {
      ledger: { segments: first.ledgerAfter },
    });
    expect(decideRosterChange(second).ledgerAfter.map((s) => s.start)).toEqual(['2031-07-01', '2031-09-01']);
    const clash = input(add({ startDate: '2031-07-15' }), { ledger: { segments: first.ledgerAfter } });
    expect(refusal(() => decideRosterChange(clash)).code).toBe('ROSTER_OVERLAP');
  });
});

describe('decideProjectUpdate', () => {
  const members = [{ userId: PERSON, segments: [seg('s1', '2031-01-01', '2031-12-31', 40)] }];
  const update = (request: ProjectUpdateRequest, over: Partial<Parameters<typeof decideProjectUpdate>[0]> = {}) =>
    decideProjectUpdate({ project, request, ability: employee, scope: leadScope, today: TODAY, members, ...over });

  const cases: [string, () => unknown, string, unknown?][] = [
    ['someone who does not lead it', () => update({ name: 'X' }, { scope: noScope }), 'FORBIDDEN'],
    [
      'an archived project',
      () => update({ name: 'X' }, { project: { ...project, status: 'archived' } }),
      'PROJECT_ARCHIVED',
    ],
    [
      'a move the lifecycle does not allow',
      () => update({ status: 'planned' }),
      'INVALID_TRANSITION',
      { from: 'active', to: 'planned', allowed: ['onHold', 'completed'] },
    ],
    [
      'an end before the start it keeps',
      () => update({ endDate: '2030-12-31' }),
      'INVALID_PERIOD',
      { startDate: '2031-01-01', endDate: '2030-12-31' },
    ],
    [
      'dates that leave allocations outside',
      () => update({ endDate: '2031-09-30' }),
      'ALLOCATIONS_OUTSIDE_PERIOD',
      { members: [{ userId: PERSON, startDate: '2031-01-01', endDate: '2031-12-31' }] },
    ],
    [
      'a lead cutting days already worked',
      () => update({ startDate: '2031-03-01', adjustAllocations: true }),
      'PAST_DAYS_NEED_MANAGER',
      { field: 'startDate', day: '2031-01-01' },
    ],
  ];
  it.each(cases)('refuses %s', (_name, run, code, details) => {
    const refused = refusal(run);
    expect(refused.code).toBe(code);
    if (details !== undefined) expect(refused.details).toEqual(details);
  });

  it('with adjustAllocations, cuts allocations to the new period; a Manager may cut the past', () => {
    expect(update({ endDate: '2031-09-30', adjustAllocations: true }).clips).toEqual([
      { userId: PERSON, first: '2031-01-01', last: '2031-09-30' },
    ]);
    const corrected = update({ startDate: '2031-03-01', adjustAllocations: true }, { ability: manager });
    expect(corrected.clips).toEqual([{ userId: PERSON, first: '2031-03-01', last: '2031-12-31' }]);
  });

  it('names the fields it sets; a new type is flagged for the catalog check', () => {
    const decision = update({ description: 'new', typeId: 'c00000000000000000000001' });
    expect(decision.changes).toMatchObject({ description: 'new', name: 'Apollo', typeId: 'c00000000000000000000001' });
    expect(decision.typeChanges).toBe(true);
    expect(update({ status: 'onHold' }).clips).toEqual([]);
  });
});

describe('decideProjectArchive', () => {
  const members = [
    { userId: PERSON, segments: [seg('s1', '2031-01-01', null, 40)] },
    { userId: LEAD, segments: [seg('s2', '2031-01-01', '2031-03-31', 10)] },
  ];
  it('Managers archive; the allocations running after today end; a repeat finishes them', () => {
    expect(decideProjectArchive({ project, ability: manager, members, today: TODAY })).toEqual({
      archive: true,
      endAllocationsOf: [PERSON],
    });
    const archived = { ...project, status: 'archived' as const };
    expect(decideProjectArchive({ project: archived, ability: manager, members, today: TODAY }).archive).toBe(false);
  });
  it('refuses leads and a stale version', () => {
    expect(refusal(() => decideProjectArchive({ project, ability: employee, members, today: TODAY })).code).toBe(
      'FORBIDDEN',
    );
    const stale = refusal(() =>
      decideProjectArchive({ project, ability: manager, members, today: TODAY, expectedVersion: 2 }),
    );
    expect(stale).toMatchObject({ code: 'VERSION_CONFLICT', details: { expectedVersion: 2, currentVersion: 3 } });
  });
});
