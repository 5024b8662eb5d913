import {
  type ApprovalSubject,
  accessQuery,
  assertEditable,
  type CreateWorkLocationRequestInput,
  type CurrentLocationQuery,
  type CurrentLocationView,
  DomainError,
  dayInTimezone,
  decideWorkLocationAsk,
  holdsRole,
  type List,
  type ListWorkLocationRequestsQuery,
  locationOn,
  notFound,
  type Page,
  type UpdateWorkLocationRequestInput,
  versionConflict,
  type WorkLocation,
  type WorkLocationAsk,
  type WorkLocationRequestRecord,
  type WorkLocationRequestView,
  workLocationSummary,
} from '@seed-pms/domain';
import { abilityFor, loadSeen, requestShape } from '../access/ability.js';
import type { ActorContext } from '../app/call-context.js';
import type { ServiceDeps } from '../app/deps.js';
import { type ApprovalKindRegistration, type ApprovalsService, decisionFor } from '../approvals/approvals.service.js';
import type { AuditService } from '../audit/audit.service.js';
import type { SettingsService } from '../settings/settings.service.js';

export interface WorkLocationService {
  submit(ctx: ActorContext, input: CreateWorkLocationRequestInput): Promise<WorkLocationRequestView>;
  list(ctx: ActorContext, query: ListWorkLocationRequestsQuery): Promise<Page<WorkLocationRequestView>>;
  /** A decision or cancellation through the engine, or the requester's edit. */
  update(ctx: ActorContext, input: UpdateWorkLocationRequestInput): Promise<WorkLocationRequestView>;
  current(ctx: ActorContext, query: CurrentLocationQuery): Promise<List<CurrentLocationView>>;
  /** How work location joins the approvals engine (registered in events/subscriptions.ts). */
  readonly approvalKind: ApprovalKindRegistration;
}

export function createWorkLocationService(
  deps: Pick<ServiceDeps, 'repos'>,
  services: { audit: AuditService; settings: SettingsService; approvals: ApprovalsService },
): WorkLocationService {
  const { workLocation: requests, leases, employees } = deps.repos;
  const { audit, settings, approvals } = services;

  const today = async (now: Date) => dayInTimezone(now, (await settings.current(now)).organization.timezone);

  /** Checks and writes of one person's requests take turns, so two overlapping submissions never both land. */
  const asPerson = <T>(userId: string, fn: () => Promise<T>) => leases.withLease(`work-location:${userId}`, fn);

  async function views(records: readonly WorkLocationRequestRecord[], now: Date): Promise<WorkLocationRequestView[]> {
    const [summaryOf, cards] = await Promise.all([
      approvals.summaries(
        records.map((r) => r.workflowId),
        now,
      ),
      employees.cards([...new Set(records.map((r) => r.userId))]),
    ]);
    return records.map((r) => {
      const approval = summaryOf(r.workflowId);
      return {
        id: r.id,
        user: { id: r.userId, name: cards.get(r.userId)?.name ?? 'Unknown person' },
        type: r.type,
        startDate: r.startDate,
        endDate: r.endDate,
        note: r.note,
        status: r.status,
        workflowId: r.workflowId,
        approval,
        decidedAt: r.decidedAt?.toISOString() ?? null,
        version: r.version,
        createdAt: r.createdAt.toISOString(),
        updatedAt: r.updatedAt.toISOString(),
      };
    });
  }

  async function viewOf(id: string, now: Date): Promise<WorkLocationRequestView> {
    const record = await requests.get(id);
    if (!record) throw notFound('Work-location request', id);
    return (await views([record], now))[0] as WorkLocationRequestView;
  }

  const loadVisible = (ctx: ActorContext, id: string) =>
    loadSeen(ctx.actor, 'WorkLocationRequest', 'Work-location request', id, requests.get, requestShape);

  /** A request as the approvals engine sees it. */
  const subjectOf = (r: WorkLocationRequestRecord): ApprovalSubject => ({
    id: r.id,
    requesterId: r.userId,
    summary: workLocationSummary(r),
    days: { start: r.startDate, end: r.endDate },
    amountMinor: null,
    attributes: { workLocationType: r.type },
    version: r.version,
  });

  const approvalKind: ApprovalKindRegistration = {
    kind: 'workLocation',
    async subject(id) {
      const r = await requests.get(id);
      return r ? subjectOf(r) : null;
    },
    async onOutcome(id, outcome, workflow, now) {
      // An edit is stored by the request's own update, after the reopen.
      if (outcome === 'reopened') return true;
      return requests.settle(id, outcome, workflow.subject.version, now);
    },
    share: (id, userIds) => requests.addApprovers(id, userIds),
    async pendingSince(after, before) {
      const pending = await requests.pendingBefore(after, before, 500);
      return pending.map((r) => ({ workflowId: r.workflowId, subject: subjectOf(r) }));
    },
  };

  return {
    approvalKind,

    async submit(ctx, input) {
      const userId = ctx.actor.id;
      const ask: WorkLocationAsk = {
        type: input.type,
        startDate: input.startDate,
        endDate: input.endDate,
        note: input.note ?? null,
      };
      const day = await today(ctx.now);
      const record = await asPerson(userId, async () => {
        const own = await requests.activeOverlapping(userId, ask.startDate, ask.endDate);
        decideWorkLocationAsk({ ask, own, today: day, mayRecordPast: holdsRole(ctx.actor.roles, 'hr') });
        return requests.insert(
          { id: requests.newId(), userId, ...ask, workflowId: approvals.newWorkflowId() },
          ctx.now,
        );
      });
      try {
        await approvals.start(ctx, 'workLocation', record.workflowId, subjectOf(record));
      } catch (error) {
        // No request without its workflow: the submission fails as a whole.
        await requests.remove(record.id);
        throw error;
      }
      await audit.record(ctx, {
        action: 'work-location.submit',
        resourceType: 'work_location_request',
        resourceId: record.id,
        after: { ...ask, workflowId: record.workflowId },
      });
      return viewOf(record.id, ctx.now);
    },

    async list(ctx, query) {
      const access = accessQuery(abilityFor(ctx.actor), 'read', 'WorkLocationRequest');
      const page = await requests.list(query, access);
      return { ...page, items: await views(page.items, ctx.now) };
    },

    async update(ctx, input) {
      const record = await loadVisible(ctx, input.id);
      if (input.action !== undefined) {
        if (input.action === 'cancel') await approvals.cancel(ctx, record.workflowId);
        else {
          await approvals.decide(ctx, decisionFor(record.workflowId, input.action, input));
        }
        return viewOf(record.id, ctx.now);
      }
      assertEditable(record, ctx.actor.id);
      const ask: WorkLocationAsk = {
        type: input.type ?? record.type,
        startDate: input.startDate ?? record.startDate,
        endDate: input.endDate ?? record.endDate,
        note: input.note === undefined ? record.note : input.note,
      };
      const day = await today(ctx.now);
      await asPerson(record.userId, async () => {
        const current = await requests.get(record.id);
        if (!current) throw notFound('Work-location request', record.id);
        assertEditable(current, ctx.actor.id);
        const expected = input.version as number;
        if (current.version !== expected)
          throw versionConflict('WorkLocationRequest', record.id, expected, current.version);
        const own = await requests.activeOverlapping(record.userId, ask.startDate, ask.endDate);
        decideWorkLocationAsk({
          ask,
          own,
          editing: record.id,
          today: day,
          mayRecordPast: holdsRole(ctx.actor.roles, 'hr'),
        });
        // The workflow first, about the request as it will be: a decision that got in first
        // closes it and the edit is refused; one that comes after is about the new fields,
        // and is applied to the new version only.
        await approvals.reopen(ctx, record.workflowId, subjectOf({ ...current, ...ask, version: expected + 1 }));
        await requests.update(record.id, expected, ask, ctx.now);
        await approvals.resync(ctx, record.workflowId);
      });
      await audit.record(ctx, {
        action: 'work-location.update',
        resourceType: 'work_location_request',
        resourceId: record.id,
        before: { type: record.type, startDate: record.startDate, endDate: record.endDate, note: record.note },
        after: ask,
      });
      return viewOf(record.id, ctx.now);
    },

    async current(ctx, query) {
      const date = query.date ?? (await today(ctx.now));
      const { roles } = ctx.actor;
      // Each person with their profile's default location (the team's come with the reporting lines).
      let people: { id: string; name: string; workLocation: WorkLocation | null }[];
      if (query.scope === 'team') {
        if (!holdsRole(roles, 'manager')) {
          throw new DomainError('FORBIDDEN', 'Only Managers and above see their team’s locations', { scope: 'team' });
        }
        people = (await employees.reportsBelow(ctx.actor.id)).filter((p) => p.status === 'active');
      } else {
        const userId = query.userId ?? ctx.actor.id;
        if (userId !== ctx.actor.id && !holdsRole(roles, 'director')) {
          throw new DomainError('FORBIDDEN', 'Only HR and Directors ask for someone else’s location', { userId });
        }
        const profile = await employees.get(userId);
        if (!profile) throw notFound('Employee', userId);
        people = [{ id: userId, name: profile.name, workLocation: profile.workLocation }];
      }
      const approved = await requests.approvedOn(
        people.map((p) => p.id),
        date,
      );
      return {
        items: people.map(({ workLocation, ...person }) => ({
          user: person,
          date,
          ...locationOn(
            date,
            approved.filter((r) => r.userId === person.id),
            workLocation,
          ),
          profileWorkLocation: workLocation,
        })),
      };
    },
  };
}
