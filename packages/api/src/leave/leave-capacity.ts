import {
  type AvailabilitySpan,
  addDays,
  type CapacityImpactView,
  capacityFlagOf,
  capacityTimeline,
  fromHundredths,
  type LeaveRequestRecord,
  type LeaveTypeRecord,
  type LeaveTypeRef,
  OPEN_END_DAY,
} from '@seed-pms/domain';
import type { ServiceDeps } from '../app/deps.js';
import type { EventBus } from '../events/event-bus.js';
import type { AvailabilitySource } from '../projects/capacity.service.js';

export const typeRef = (t: LeaveTypeRecord): LeaveTypeRef => ({
  id: t.id,
  name: t.name,
  code: t.code,
  colour: t.colour,
  unit: t.unit,
  paid: t.paid,
});

/** The share of a day a counted day takes (hour types: hours of the day the request was counted with). */
export const fractionOf = (type: LeaveTypeRecord | undefined, amount: number, hoursPerDay: number) =>
  Math.min(1, fromHundredths(amount) / (type?.unit === 'hour' ? hoursPerDay : 1));

/** The days of a request still off: a leave cut short ends the day before. */
export const daysOff = (r: LeaveRequestRecord) =>
  r.curtailedFrom ? r.days.filter(([d]) => d < (r.curtailedFrom as string)) : r.days;

/**
 * Leave and capacity: approved leave as availability for the capacity engine,
 * the impact a request has on the projects the person is on, and what follows
 * an approval (the halo, the leads told of an over-booking).
 */
export function createLeaveCapacity(
  deps: Pick<ServiceDeps, 'repos'>,
  services: {
    events: EventBus;
    typesById: (now: Date) => Promise<Map<string, LeaveTypeRecord>>;
    today: (now: Date) => Promise<string>;
  },
) {
  const { leaveRequests: requests, employees, capacity, projects } = deps.repos;
  const { events, typesById, today } = services;

  /** Approved leave of these people on days from..to as availability spans (a day each). */
  const availability: AvailabilitySource = async (userIds, from, to) => {
    const out = new Map<string, AvailabilitySpan[]>();
    if (userIds.length === 0) return out;
    const last = to === OPEN_END_DAY ? addDays(from, 3 * 366) : to;
    const [approved, types] = await Promise.all([requests.activeIn(userIds, from, last), typesById(new Date())]);
    // A morning off and an afternoon off of the same day add up to the whole day.
    const off = new Map<string, Map<string, number>>();
    for (const r of approved) {
      if (r.status !== 'approved') continue;
      const type = types.get(r.typeId);
      const days = off.get(r.userId) ?? new Map<string, number>();
      for (const [date, amount] of daysOff(r)) {
        if (date < from || date > last) continue;
        days.set(date, Math.min(1, (days.get(date) ?? 0) + fractionOf(type, amount, r.hoursPerDay)));
      }
      off.set(r.userId, days);
    }
    for (const [userId, days] of off) {
      out.set(
        userId,
        [...days].map(([date, fraction]) => ({ start: date, end: date, percent: Math.round(100 * (1 - fraction)) })),
      );
    }
    return out;
  };

  async function impactOf(r: LeaveRequestRecord): Promise<CapacityImpactView> {
    const period = { start: r.startDate, end: r.endDate };
    const ledger = await capacity.get(r.userId);
    const inRange = ledger.segments.filter((s) => s.start <= period.end && (s.end === null || s.end >= period.start));
    const projectIds = [...new Set(inRange.map((s) => s.projectId))];
    if (projectIds.length === 0) return { projects: [] };
    const names = await projects.names(projectIds);
    const out: CapacityImpactView['projects'] = [];
    for (const projectId of projectIds) {
      const mine = inRange.filter((s) => s.projectId === projectId);
      const members = (await capacity.membersOf(projectId)).filter((m) =>
        m.segments.some((s) => s.start <= period.end && (s.end === null || s.end >= period.start)),
      );
      const leadIds = members
        .filter((m) =>
          m.segments.some(
            (s) => s.role === 'lead' && s.start <= period.end && (s.end === null || s.end >= period.start),
          ),
        )
        .map((m) => m.userId)
        .filter((id) => id !== r.userId);
      const teammateIds = members.map((m) => m.userId).filter((id) => id !== r.userId);
      const [off, cards] = await Promise.all([
        requests.activeIn(teammateIds, period.start, period.end),
        employees.cards([...new Set([...leadIds, ...teammateIds])]),
      ]);
      const start = mine.reduce((d, s) => (s.start > d ? s.start : d), period.start);
      const end = mine.reduce((d, s) => (s.end !== null && s.end < d ? s.end : d), period.end);
      out.push({
        project: { id: projectId, name: names.get(projectId) ?? '' },
        allocationPercent: Math.max(
          0,
          ...capacityTimeline(mine, { from: period.start, to: period.end }).map((i) => i.allocatedPercent),
        ),
        start: start < period.start ? period.start : start,
        end,
        leads: leadIds.map((id) => ({ id, name: cards.get(id)?.name ?? 'Unknown person' })),
        // Teammates already off: approved leave only (others' pending requests are theirs and their approvers').
        teammatesOff: off
          .filter((o) => o.status === 'approved')
          .map((o) => ({
            user: { id: o.userId, name: cards.get(o.userId)?.name ?? 'Unknown person' },
            startDate: o.startDate,
            endDate: o.endDate,
            status: o.status as 'pending' | 'approved',
          })),
      });
    }
    return { projects: out };
  }

  /** After approval: the person's halo, and their projects' leads told when the leave takes them above availability. */
  async function afterApproval(r: LeaveRequestRecord, by: string | null, now: Date) {
    const day = await today(now);
    const ledger = await capacity.get(r.userId);
    if (ledger.segments.length === 0) return;
    const spans =
      (await availability([r.userId], day < r.startDate ? day : r.startDate, OPEN_END_DAY)).get(r.userId) ?? [];
    await employees.setCapacityFlag(r.userId, capacityFlagOf(ledger.segments, day, spans), ledger.version, now);
    const over = capacityTimeline(ledger.segments, { from: r.startDate, to: r.endDate }, spans).filter(
      (i) => i.allocatedPercent > i.availablePercent,
    );
    // One event: the leads of every project the person is on hear of it (notifications).
    const projectId = ledger.segments.find((s) => over.some((i) => i.segmentIds.includes(s.id)))?.projectId;
    if (projectId) {
      await events.publish('capacity.overallocated', {
        userIds: [r.userId],
        projectId,
        by,
        at: now,
        leaveRequestId: r.id,
      });
    }
  }

  return { availability, impactOf, afterApproval };
}
