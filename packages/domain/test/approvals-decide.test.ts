import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type ApprovalPolicyRecord,
  type ApproverDirectory,
  addWorkingHours,
  advanceTimers,
  assertValidPolicy,
  cancelWorkflow,
  DomainError,
  dayInTimezone,
  decideApproval,
  isoWeekday,
  type PolicyStage,
  type Role,
  refreshStage,
  reopenWorkflow,
  resolveApprovers,
  startWorkflow,
  type WorkflowFacts,
  type WorkflowRecord,
  workingDaysBetween,
  workingHoursBetween,
} from '../src/index.js';

const NOW = new Date('2031-03-03T09:00:00Z');
const CAL = { workingDays: [1, 2, 3, 4, 5], timeZone: 'UTC' };
const REQUESTER = 'r0000000000000000000000a';
const PEOPLE = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6'].map((p) => `${p}00000000000000000000000`.slice(0, 24));
const FACTS: WorkflowFacts = {
  workingDays: 3,
  amountMinor: null,
  leaveType: null,
  workLocationType: 'wfh',
  department: null,
};

function directory(roles: Record<string, Role[]>, chain: string[] = [], leads: string[] = []): ApproverDirectory {
  const people = new Map<string, { roles: Role[]; active: boolean }>();
  people.set(REQUESTER, { roles: roles[REQUESTER] ?? ['employee'], active: true });
  for (const id of PEOPLE) people.set(id, { roles: roles[id] ?? ['employee'], active: true });
  return { requesterId: REQUESTER, chain, projectLeads: leads, people, delegations: [] };
}

function policy(stages: PolicyStage[]): ApprovalPolicyRecord {
  return { kind: 'workLocation', mode: 'strict', stages, version: 3, updatedAt: NOW, updatedBy: null };
}

function started(stages: PolicyStage[], dir: ApproverDirectory): WorkflowRecord {
  const { workflow } = startWorkflow({
    id: 'w00000000000000000000001',
    kind: 'workLocation',
    subject: {
      id: 's00000000000000000000001',
      requesterId: REQUESTER,
      summary: 'WFH',
      days: { start: '2031-03-03', end: '2031-03-05' },
      amountMinor: null,
      attributes: { workLocationType: 'wfh' },
      version: 1,
    },
    policy: policy(stages),
    facts: FACTS,
    directory: dir,
    calendar: CAL,
    now: NOW,
  });
  return { ...workflow, version: 1, createdAt: NOW, updatedAt: NOW };
}

const codeOf = (fn: () => unknown) => {
  try {
    fn();
    return null;
  } catch (error) {
    return error instanceof DomainError ? error.code : String(error);
  }
};

describe('who may decide', () => {
  const dir = directory(
    {
      [PEOPLE[0] as string]: ['projectLead'],
      [PEOPLE[1] as string]: ['manager'],
      [PEOPLE[2] as string]: ['director'],
      [PEOPLE[3] as string]: ['hr'],
    },
    [PEOPLE[0] as string, PEOPLE[1] as string, PEOPLE[2] as string],
    [PEOPLE[4] as string],
  );
  it('manager: the nearest Manager up the chain; director: every Director above; projectLead: the leads', () => {
    expect(resolveApprovers(['manager'], dir, new Set()).eligible).toEqual([PEOPLE[1]]);
    expect(resolveApprovers(['director'], dir, new Set()).eligible).toEqual([PEOPLE[2]]);
    expect(resolveApprovers(['projectLead'], dir, new Set()).eligible).toEqual([PEOPLE[4]]);
    expect(resolveApprovers(['hr'], dir, new Set()).eligible).toEqual([PEOPLE[3]]);
  });
  it('one person holding two eligible roles counts once; the requester and the excluded never', () => {
    const both = directory({ [PEOPLE[1] as string]: ['director'], [REQUESTER]: ['hr'] }, [PEOPLE[1] as string]);
    expect(resolveApprovers(['manager', 'director', 'hr'], both, new Set()).eligible).toEqual([PEOPLE[1]]);
    expect(resolveApprovers(['manager'], both, new Set([PEOPLE[1] as string]))).toEqual({
      eligible: [],
      fallback: true,
    });
  });
  it('an archived account is never asked; with nobody left, HR is', () => {
    const archived = directory({ [PEOPLE[1] as string]: ['manager'], [PEOPLE[3] as string]: ['hr'] }, [
      PEOPLE[1] as string,
    ]);
    (archived.people as Map<string, { roles: Role[]; active: boolean }>).set(PEOPLE[1] as string, {
      roles: ['manager'],
      active: false,
    });
    expect(resolveApprovers(['manager'], archived, new Set())).toEqual({ eligible: [PEOPLE[3]], fallback: true });
  });
});

describe('deciding', () => {
  const dir = directory({
    [PEOPLE[0] as string]: ['hr'],
    [PEOPLE[1] as string]: ['hr'],
    [PEOPLE[2] as string]: ['hr'],
    [PEOPLE[3] as string]: ['finance'],
  });
  const decide = (workflow: WorkflowRecord, actorId: string, decision: 'approve' | 'reject' = 'approve') =>
    decideApproval({
      workflow,
      decision: { actorId, decision, reason: decision === 'reject' ? 'no' : null, via: 'app' },
      directory: dir,
      calendar: CAL,
      now: NOW,
    });

  it('refuses the requester, a second decision, a stranger and a closed workflow with their own codes', () => {
    const wf = started([{ name: 'HR', approvers: ['hr'], rule: 'quorum', quorum: 2 }], dir);
    expect(codeOf(() => decide(wf, REQUESTER))).toBe('SELF_APPROVAL');
    expect(codeOf(() => decide(wf, PEOPLE[3] as string))).toBe('NOT_AN_APPROVER');
    const once = decide(wf, PEOPLE[0] as string).workflow;
    expect(codeOf(() => decide(once, PEOPLE[0] as string))).toBe('ALREADY_DECIDED');
    const done = decide(once, PEOPLE[1] as string);
    expect(done.outcome).toBe('approved');
    expect(codeOf(() => decide(done.workflow, PEOPLE[2] as string))).toBe('ALREADY_DECIDED');
    const cancelled = cancelWorkflow({ workflow: wf, actorId: REQUESTER, now: NOW }).workflow;
    expect(codeOf(() => decide(cancelled, PEOPLE[0] as string))).toBe('WORKFLOW_CLOSED');
  });

  it('a decision made on what has since changed is refused: another round, or a stage that moved on', () => {
    const two = started(
      [
        { name: 'A', approvers: ['hr'], rule: 'any' },
        { name: 'B', approvers: ['hr'], rule: 'any' },
      ],
      dir,
    );
    const seen = { round: 1, stage: 0 };
    const moved = decide(two, PEOPLE[0] as string).workflow;
    // PEOPLE[1] clicked on stage 0, which PEOPLE[0] settled: their click does not count for stage 1.
    const late = (() => {
      try {
        decideApproval({
          workflow: moved,
          decision: { actorId: PEOPLE[1] as string, decision: 'approve', via: 'app', expected: seen },
          directory: dir,
          calendar: CAL,
          now: NOW,
        });
      } catch (error) {
        return error as DomainError;
      }
      return null;
    })();
    expect(late?.code).toBe('ALREADY_DECIDED');
    expect(late?.details).toMatchObject({ decision: { by: PEOPLE[0], stage: 0 } });
    const newer = { ...moved, round: 2 };
    expect(
      codeOf(() =>
        decideApproval({
          workflow: newer,
          decision: { actorId: PEOPLE[1] as string, decision: 'approve', via: 'app', expected: seen },
          directory: dir,
          calendar: CAL,
          now: NOW,
        }),
      ),
    ).toBe('REQUEST_CHANGED');
    // Once closed, the decision quoted is the one that closed it.
    const closedBy = decideApproval({
      workflow: moved,
      decision: { actorId: PEOPLE[2] as string, decision: 'reject', reason: 'no', via: 'app' },
      directory: dir,
      calendar: CAL,
      now: NOW,
    }).workflow;
    try {
      decide(closedBy, PEOPLE[1] as string);
    } catch (error) {
      expect((error as DomainError).details).toMatchObject({ decision: { by: PEOPLE[2], decision: 'reject' } });
    }
  });

  it('a rejection needs a reason', () => {
    const wf = started([{ name: 'HR', approvers: ['hr'], rule: 'any' }], dir);
    expect(
      codeOf(() =>
        decideApproval({
          workflow: wf,
          decision: { actorId: PEOPLE[0] as string, decision: 'reject', via: 'app' },
          directory: dir,
          calendar: CAL,
          now: NOW,
        }),
      ),
    ).toBe('VALIDATION_FAILED');
  });

  it('an edit starts a new round: earlier approvers may decide again, the old decisions stay', () => {
    const wf = started([{ name: 'HR', approvers: ['hr'], rule: 'all' }], dir);
    const once = decide(wf, PEOPLE[0] as string).workflow;
    const subject = {
      id: wf.subject.id,
      requesterId: REQUESTER,
      summary: 'WFH',
      days: null,
      amountMinor: null,
      attributes: {},
      version: 2,
    };
    const reopened = reopenWorkflow({
      workflow: once,
      subject,
      policy: policy([{ name: 'HR', approvers: ['hr'], rule: 'all' }]),
      facts: FACTS,
      directory: dir,
      calendar: CAL,
      now: NOW,
    });
    expect(reopened.workflow.round).toBe(2);
    expect(reopened.workflow.decisions).toHaveLength(1);
    expect(decide(reopened.workflow, PEOPLE[0] as string).workflow.decisions).toHaveLength(2);
  });

  const stageArb = fc.record({
    approvers: fc.subarray(['hr', 'finance', 'ceo'] as const, { minLength: 1 }),
    rule: fc.constantFrom('any', 'all', 'quorum'),
    quorum: fc.integer({ min: 1, max: 4 }),
  });
  const rolesArb = fc.array(fc.subarray(['hr', 'finance', 'ceo'] as Role[]), {
    minLength: PEOPLE.length,
    maxLength: PEOPLE.length,
  });
  const stepArb = fc.record({ who: fc.integer({ min: 0, max: PEOPLE.length }), reject: fc.boolean() });

  it('random policies and decision sequences: never more approvals than the rule, a reject ends it, stages in order, nobody twice', () => {
    fc.assert(
      fc.property(
        fc.array(stageArb, { minLength: 1, maxLength: 4 }),
        rolesArb,
        fc.array(stepArb, { maxLength: 30 }),
        (stages, roles, steps) => {
          const dir = directory(Object.fromEntries(PEOPLE.map((id, i) => [id, roles[i] ?? []])));
          const policyStages: PolicyStage[] = stages.map((s, i) => ({
            name: `S${i}`,
            approvers: [...s.approvers],
            rule: s.rule,
            ...(s.rule === 'quorum' ? { quorum: s.quorum } : {}),
          }));
          let wf = started(policyStages, dir);
          for (const step of steps) {
            const actorId = step.who === PEOPLE.length ? REQUESTER : (PEOPLE[step.who] as string);
            const before = wf;
            try {
              const result = decideApproval({
                workflow: wf,
                decision: { actorId, decision: step.reject ? 'reject' : 'approve', reason: 'because', via: 'app' },
                directory: dir,
                calendar: CAL,
                now: NOW,
              });
              wf = { ...result.workflow, version: wf.version + 1 };
              expect(before.state).toBe('pending');
              expect(before.awaiting).toContain(actorId);
            } catch (error) {
              expect(error).toBeInstanceOf(DomainError);
              expect(wf).toBe(before);
            }
            // Nobody twice, never the requester.
            const deciders = wf.decisions.map((d) => d.by);
            expect(new Set(deciders).size).toBe(deciders.length);
            expect(deciders).not.toContain(REQUESTER);
            // Never more approvals in a stage than it needs; every decider was eligible there.
            for (const stage of wf.stages) {
              const here = wf.decisions.filter((d) => d.stage === stage.index);
              expect(here.filter((d) => d.decision === 'approve').length).toBeLessThanOrEqual(stage.required);
              for (const d of here) expect(stage.eligible).toContain(d.by);
            }
            // A reject ends the workflow.
            if (wf.decisions.some((d) => d.decision === 'reject')) expect(wf.state).toBe('rejected');
            // Stages complete in order: only a prefix is approved, at most one is active.
            const states = wf.stages.map((s) => s.state);
            const firstOpen = states.findIndex((s) => s !== 'approved');
            if (firstOpen >= 0) expect(states.slice(firstOpen).includes('approved')).toBe(false);
            expect(states.filter((s) => s === 'active').length).toBeLessThanOrEqual(1);
            if (wf.state === 'approved') expect(states.every((s) => s === 'approved')).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('policies and working days', () => {
  it('a strict policy is checked stage by stage', () => {
    const err = (() => {
      try {
        assertValidPolicy('workLocation', [
          { name: 'A', approvers: ['manager'], rule: 'any' },
          { name: 'B', approvers: ['hr'], rule: 'quorum' },
        ]);
      } catch (error) {
        return error as DomainError;
      }
      return null;
    })();
    expect(err?.code).toBe('APPROVAL_POLICY_INVALID');
    expect(err?.details).toMatchObject({ stage: 1, field: 'stages.1.quorum' });
    expect(
      codeOf(() =>
        assertValidPolicy('workLocation', [{ name: 'A', approvers: ['hr'], rule: 'any', when: { minAmountMinor: 5 } }]),
      ),
    ).toBe('APPROVAL_POLICY_INVALID');
  });

  it('a stage applies only when its conditions hold; with none applying, the simple stages do', () => {
    const dir = directory({ [PEOPLE[0] as string]: ['hr'] });
    const long = [{ name: 'Long', approvers: ['hr'], rule: 'any', when: { minWorkingDays: 6 } }] as PolicyStage[];
    const wf = started(long, dir);
    expect(wf.stages.map((s) => s.name)).toEqual(['Approval']);
  });

  it('counts hours to a decision on working days only', () => {
    // Friday 16:00 to Monday 10:00 UTC: 8 hours on Friday, 10 on Monday.
    expect(
      workingHoursBetween(new Date('2031-03-07T16:00:00Z'), new Date('2031-03-10T10:00:00Z'), [1, 2, 3, 4, 5], 'UTC'),
    ).toBe(18);
    expect(
      workingHoursBetween(new Date('2031-03-08T10:00:00Z'), new Date('2031-03-09T10:00:00Z'), [1, 2, 3, 4, 5], 'UTC'),
    ).toBe(0);
  });

  it('counts working days against a day-by-day count', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4000 }),
        fc.integer({ min: 0, max: 800 }),
        fc.subarray([1, 2, 3, 4, 5, 6, 7]),
        (a, len, week) => {
          const from = new Date(Date.UTC(2020, 0, 1) + a * 86_400_000).toISOString().slice(0, 10);
          const to = new Date(Date.UTC(2020, 0, 1) + (a + len) * 86_400_000).toISOString().slice(0, 10);
          let brute = 0;
          for (let d = 0; d <= len; d++) {
            const day = new Date(Date.UTC(2020, 0, 1) + (a + d) * 86_400_000).toISOString().slice(0, 10);
            if (week.includes(isoWeekday(day))) brute++;
          }
          expect(workingDaysBetween(from, to, week)).toBe(brute);
        },
      ),
    );
    expect(isoWeekday('2026-12-07')).toBe(1);
  });
});

describe('working hours', () => {
  it('adding working hours is the inverse of counting them, in any week and timezone', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3 * 365 * 24 * 60 }),
        fc.integer({ min: 1, max: 300 }),
        fc.subarray([1, 2, 3, 4, 5, 6, 7], { minLength: 1 }),
        fc.constantFrom('UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata'),
        (minutes, hours, week, timeZone) => {
          const start = new Date(Date.UTC(2030, 0, 1) + minutes * 60_000);
          const end = addWorkingHours(start, hours, { workingDays: week, timeZone });
          expect(end.getTime()).toBeGreaterThan(start.getTime());
          expect(workingHoursBetween(start, end, week, timeZone)).toBeCloseTo(hours, 1);
          // Not later than needed: the moment before it lies on a working day, so it ends as the last hour does.
          expect(week).toContain(isoWeekday(dayInTimezone(new Date(end.getTime() - 1), timeZone)));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('delegation in a workflow', () => {
  const [lead, deputy, further, hrPerson] = PEOPLE as [string, string, string, string];
  const withDelegations = (delegations: { delegatorId: string; delegateId: string }[]) => ({
    ...directory({ [lead]: ['manager'], [hrPerson]: ['hr'] }, [lead]),
    delegations,
  });
  const decide = (workflow: WorkflowRecord, actorId: string, dir: ApproverDirectory) =>
    decideApproval({
      workflow,
      decision: { actorId, decision: 'approve', via: 'app' },
      directory: dir,
      calendar: CAL,
      now: NOW,
    });

  it('a delegate is asked for the delegator, decides for them, and the delegator is then done; no chains', () => {
    const dir = withDelegations([
      { delegatorId: lead, delegateId: deputy },
      { delegatorId: deputy, delegateId: further },
    ]);
    const wf = started([{ name: 'Manager', approvers: ['manager'], rule: 'all' }], dir);
    expect(wf.stages[0]?.deputies).toEqual([{ delegateId: deputy, forId: lead }]);
    expect(wf.awaiting).toEqual([lead, deputy].sort());
    expect(wf.awaiting).not.toContain(further);
    const done = decide(wf, deputy, dir);
    expect(done.workflow.decisions[0]).toMatchObject({ by: deputy, actingFor: lead });
    expect(done.workflow.state).toBe('approved');
    expect(codeOf(() => decide({ ...wf, awaiting: [lead] }, further, dir))).toBe('NOT_AN_APPROVER');
  });

  it('the delegator who decided leaves nothing for the delegate; the requester is never a deputy', () => {
    const dir = withDelegations([
      { delegatorId: lead, delegateId: deputy },
      { delegatorId: hrPerson, delegateId: REQUESTER },
    ]);
    const wf = started([{ name: 'Both', approvers: ['manager', 'hr'], rule: 'all' }], dir);
    expect(wf.stages[0]?.deputies).toEqual([{ delegateId: deputy, forId: lead }]);
    const byLead = decide(wf, lead, dir).workflow;
    expect(byLead.awaiting).toEqual([hrPerson]);
    expect(codeOf(() => decide({ ...byLead, version: 2 }, deputy, dir))).toBe('NOT_AN_APPROVER');
  });

  it('re-resolving adds and removes deputies as delegations start and end, and is a no-op when nothing changed', () => {
    const none = withDelegations([]);
    const wf = started([{ name: 'Manager', approvers: ['manager'], rule: 'any' }], none);
    expect(refreshStage({ workflow: wf, directory: none, now: NOW })).toBeNull();
    const on = withDelegations([{ delegatorId: lead, delegateId: deputy }]);
    const added = refreshStage({ workflow: wf, directory: on, now: NOW });
    expect(added?.workflow.awaiting).toEqual([lead, deputy].sort());
    expect(added?.events).toMatchObject([{ type: 'approval.requested', awaiting: [deputy] }]);
    const back = refreshStage({ workflow: added?.workflow as WorkflowRecord, directory: none, now: NOW });
    expect(back?.workflow.awaiting).toEqual([lead]);
    expect(back?.events).toEqual([]);
  });
});

describe('timers', () => {
  const [manager, director] = PEOPLE as [string, string];
  const dir = directory({ [manager]: ['manager'], [director]: ['director'] }, [manager, director]);
  const stages: PolicyStage[] = [
    {
      name: 'Manager',
      approvers: ['manager'],
      rule: 'any',
      remindAfter: 2,
      escalateAfter: 4,
      escalateTo: ['nextLevel'],
      dueAfterHours: 6,
      onTimeout: 'approve',
    },
  ];

  it('remind, escalate and time out in order, each exactly once however often it runs', () => {
    let wf = started(stages, dir);
    const at = (hours: number) => new Date(NOW.getTime() + hours * 3_600_000);
    expect(advanceTimers({ workflow: wf, directory: dir, calendar: CAL, now: at(1) })).toBeNull();
    const steps: string[] = [];
    for (const hours of [2.5, 2.5, 4.5, 4.5, 4.5, 7, 7]) {
      const step = advanceTimers({ workflow: wf, directory: dir, calendar: CAL, now: at(hours) });
      if (!step) continue;
      steps.push(step.audit[0]?.action ?? '');
      wf = { ...step.workflow, version: wf.version + 1 };
    }
    expect(steps).toEqual(['approval.remind', 'approval.escalate', 'approval.timeout']);
    expect(wf.stages[0]?.escalated).toEqual([director]);
    expect(wf.state).toBe('approved');
    expect(wf.decisions).toMatchObject([{ by: null, via: 'system', decision: 'approve' }]);
  });

  it('a run long after every timer decides by the timeout at once, without reminding or escalating first', () => {
    let wf = started(stages, dir);
    const late = new Date(NOW.getTime() + 100 * 3_600_000);
    const order: string[] = [];
    for (let i = 0; i < 5; i++) {
      const step = advanceTimers({ workflow: wf, directory: dir, calendar: CAL, now: late });
      if (!step) break;
      order.push(step.audit[0]?.action ?? '');
      wf = { ...step.workflow, version: wf.version + 1 };
    }
    // The timeout wins once due: reminding someone of a request already decided makes no sense.
    expect(order).toEqual(['approval.timeout']);
  });
});
