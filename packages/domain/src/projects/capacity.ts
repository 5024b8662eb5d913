import { dayNumber, dayString, endDayNumber, OPEN_END_DAY } from '../common/calendar-days.js';
import type { CapacityFlag } from '../employees/employee.schemas.js';

/**
 * The capacity engine: pure functions over a person's allocation segments.
 *
 * A segment allocates `percent` of someone's time to a project on every day
 * from `start` to `end` (both included; `end` null runs on without end).
 * Availability says how much of a day someone can work (100 unless told, less
 * on leave or part-time days); a day is over-allocated when its allocation is
 * above its availability. The leave area supplies availability (approved
 * leave: 0% on a full day off, 50% on a half day).
 */
export interface AllocationSegment {
  id: string;
  projectId: string;
  start: string;
  end: string | null;
  percent: number;
}

/** Someone can work `percent` of a full day from `start` to `end`; days outside every span are 100. */
export interface AvailabilitySpan {
  start: string;
  end: string;
  percent: number;
}

export interface DayRange {
  from: string;
  to: string;
}

/** Days from `start` to `end` with the same allocations and availability. */
export interface CapacityInterval {
  start: string;
  end: string;
  allocatedPercent: number;
  availablePercent: number;
  /** The segments allocating these days, in the order given. */
  segmentIds: string[];
}

export const FULL_AVAILABILITY = 100;

interface Span {
  start: number;
  end: number;
  percent: number;
  index: number;
}

interface NumericInterval {
  start: number;
  end: number;
  allocated: number;
  available: number;
  active: Set<number> | null;
}

function clip(start: string, end: string | null, from: number, to: number): [number, number] | null {
  const s = Math.max(dayNumber(start), from);
  const e = Math.min(endDayNumber(end), to);
  return s <= e ? [s, e] : null;
}

function spansOf<T extends { start: string; percent: number }>(
  items: readonly T[],
  endOf: (item: T) => string | null,
  from: number,
  to: number,
): Span[] {
  const spans: Span[] = [];
  items.forEach((item, index) => {
    const clipped = clip(item.start, endOf(item), from, to);
    if (clipped) spans.push({ start: clipped[0], end: clipped[1], percent: item.percent, index });
  });
  return spans;
}

/**
 * The sweep: every period boundary is an event (a segment or availability span
 * starts, or ends the day before); between two events nothing changes. Runs in
 * O(n log n) for n segments, whatever the length of the range. With
 * `trackIds`, each interval also carries the indexes of its segments.
 */
function sweep(
  segments: readonly Span[],
  availability: readonly Span[],
  from: number,
  to: number,
  trackIds: boolean,
): NumericInterval[] {
  // [day, kind, span]: kind 0 segment starts, 1 segment ends (the day after), 2/3 the same for availability.
  const events: [number, number, Span][] = [];
  for (const s of segments) events.push([s.start, 0, s], [s.end + 1, 1, s]);
  for (const a of availability) events.push([a.start, 2, a], [a.end + 1, 3, a]);
  events.sort((x, y) => x[0] - y[0]);

  const intervals: NumericInterval[] = [];
  const active = trackIds ? new Set<number>() : null;
  // Overlapping availability spans: the lowest one holds.
  const limits = new Map<number, number>();
  let allocated = 0;
  let available = FULL_AVAILABILITY;
  let cursor = from;
  const emit = (end: number) => {
    if (end < cursor) return;
    intervals.push({ start: cursor, end, allocated, available, active: active ? new Set(active) : null });
  };
  let i = 0;
  while (i < events.length) {
    const day = (events[i] as [number, number, Span])[0];
    if (day > to) break;
    emit(day - 1);
    cursor = Math.max(cursor, day);
    let limitsChanged = false;
    for (; i < events.length && (events[i] as [number, number, Span])[0] === day; i += 1) {
      const [, kind, span] = events[i] as [number, number, Span];
      if (kind === 0) {
        allocated += span.percent;
        active?.add(span.index);
      } else if (kind === 1) {
        allocated -= span.percent;
        active?.delete(span.index);
      } else {
        limits.set(span.percent, (limits.get(span.percent) ?? 0) + (kind === 2 ? 1 : -1));
        if (limits.get(span.percent) === 0) limits.delete(span.percent);
        limitsChanged = true;
      }
    }
    if (limitsChanged) available = limits.size === 0 ? FULL_AVAILABILITY : Math.min(...limits.keys());
  }
  emit(to);
  return intervals;
}

function numericRange(range: DayRange): [number, number] {
  return [dayNumber(range.from), dayNumber(range.to)];
}

/**
 * The allocation timeline over `range`: consecutive intervals covering every
 * day of it, each with the total allocated, the availability and the
 * contributing segments.
 */
export function capacityTimeline(
  segments: readonly AllocationSegment[],
  range: DayRange,
  availability: readonly AvailabilitySpan[] = [],
): CapacityInterval[] {
  const [from, to] = numericRange(range);
  if (to < from) return [];
  const spans = spansOf(segments, (s) => s.end, from, to);
  const limits = spansOf(availability, (a) => a.end, from, to);
  return sweep(spans, limits, from, to, true).map((interval) => ({
    start: dayString(interval.start),
    end: dayString(interval.end),
    allocatedPercent: interval.allocated,
    availablePercent: interval.available,
    segmentIds: [...(interval.active ?? [])]
      .sort((a, b) => a - b)
      .map((index) => (segments[index] as AllocationSegment).id),
  }));
}

/** The highest allocation in a timeline: its first interval at that level (null for an empty timeline). */
export function peakOf(timeline: readonly CapacityInterval[]): CapacityInterval | null {
  let peak: CapacityInterval | null = null;
  for (const interval of timeline) {
    if (!peak || interval.allocatedPercent > peak.allocatedPercent) peak = interval;
  }
  return peak;
}

/** The intervals of a timeline whose allocation is above the availability. */
export function overAllocatedIntervals(timeline: readonly CapacityInterval[]): CapacityInterval[] {
  return timeline.filter((interval) => interval.allocatedPercent > interval.availablePercent);
}

/** A stretch of consecutive over-allocated days, with its highest allocation. */
export interface OverAllocation {
  start: string;
  end: string;
  peakPercent: number;
}

export interface UtilisationSummary {
  /** Allocation averaged over every day of the range. */
  averagePercent: number;
  peakPercent: number;
  overAllocatedDays: number;
  overAllocations: OverAllocation[];
}

function summarise(intervals: readonly NumericInterval[], days: number): UtilisationSummary {
  let weighted = 0;
  let peak = 0;
  let overDays = 0;
  const runs: { start: number; end: number; peakPercent: number }[] = [];
  for (const interval of intervals) {
    const length = interval.end - interval.start + 1;
    weighted += interval.allocated * length;
    if (interval.allocated > peak) peak = interval.allocated;
    if (interval.allocated > interval.available) {
      overDays += length;
      const last = runs.at(-1);
      if (last && last.end === interval.start - 1) {
        last.end = interval.end;
        last.peakPercent = Math.max(last.peakPercent, interval.allocated);
      } else {
        runs.push({ start: interval.start, end: interval.end, peakPercent: interval.allocated });
      }
    }
  }
  return {
    averagePercent: days > 0 ? weighted / days : 0,
    peakPercent: peak,
    overAllocatedDays: overDays,
    overAllocations: runs.map((run) => ({
      start: dayString(run.start),
      end: dayString(run.end),
      peakPercent: run.peakPercent,
    })),
  };
}

/** Average and peak allocation over `range`, and the stretches above availability. */
export function utilisation(
  segments: readonly AllocationSegment[],
  range: DayRange,
  availability: readonly AvailabilitySpan[] = [],
): UtilisationSummary {
  const [from, to] = numericRange(range);
  if (to < from) return summarise([], 0);
  const intervals = sweep(
    spansOf(segments, (s) => s.end, from, to),
    spansOf(availability, (a) => a.end, from, to),
    from,
    to,
    false,
  );
  return summarise(intervals, to - from + 1);
}

/**
 * The halo a person's profile shows: today's allocation, and whether any day
 * from today on is above availability.
 */
export function capacityFlagOf(
  segments: readonly AllocationSegment[],
  today: string,
  availability: readonly AvailabilitySpan[] = [],
): CapacityFlag {
  const now = capacityTimeline(segments, { from: today, to: today })[0];
  const ahead = utilisation(segments, { from: today, to: OPEN_END_DAY }, availability);
  return { allocationPercent: now?.allocatedPercent ?? 0, overAllocated: ahead.overAllocatedDays > 0 };
}

/** Where a change would take someone above their availability: the first such interval. */
export interface CapacityBreach {
  start: string;
  end: string;
  totalPercent: number;
  availablePercent: number;
  /** The segments (after the change) allocating those days. */
  segmentIds: string[];
}

/**
 * Checks a change of someone's allocations (`before` → `after`, told apart by
 * segment id) over `range`: refused where a day ends above availability and
 * the change raised that day's allocation. A change that only lowers or keeps
 * an allocation is always accepted, even on days already above the limit.
 */
export function findCapacityBreach(
  before: readonly AllocationSegment[],
  after: readonly AllocationSegment[],
  range: DayRange,
  availability: readonly AvailabilitySpan[] = [],
): CapacityBreach | null {
  const beforeIds = new Set(before.map((s) => s.id));
  const afterIds = new Set(after.map((s) => s.id));
  const added = new Set(after.filter((s) => !beforeIds.has(s.id)).map((s) => s.id));
  if (added.size === 0) return null;
  const removed = before.filter((s) => !afterIds.has(s.id));
  const percentOf = new Map([...after, ...removed].map((s) => [s.id, s.percent]));
  const sum = (ids: readonly string[]) => ids.reduce((total, id) => total + (percentOf.get(id) ?? 0), 0);
  // Removed segments take part in the sweep so that every interval has one
  // "before" as well as one "after"; they count only as what was lowered.
  for (const interval of capacityTimeline([...after, ...removed], range, availability)) {
    const now = interval.segmentIds.filter((id) => afterIds.has(id));
    const total = sum(now);
    if (total <= interval.availablePercent) continue;
    const raised = sum(now.filter((id) => added.has(id)));
    const lowered = sum(interval.segmentIds.filter((id) => !afterIds.has(id)));
    if (raised > lowered) {
      return {
        start: interval.start,
        end: interval.end,
        totalPercent: total,
        availablePercent: interval.availablePercent,
        segmentIds: now,
      };
    }
  }
  return null;
}

/** One person's segments for a report. */
export interface PersonAllocations {
  personId: string;
  segments: readonly AllocationSegment[];
  availability?: readonly AvailabilitySpan[];
}

export interface PersonUtilisation extends UtilisationSummary {
  personId: string;
}

export interface ProjectLoad {
  projectId: string;
  /** Full-time equivalents allocated, averaged over the range (100% for every day = 1). */
  averageFte: number;
  /** Person-days allocated (a 50% day counts half). */
  personDays: number;
  people: number;
}

export interface CapacityReport {
  from: string;
  to: string;
  days: number;
  people: PersonUtilisation[];
  projects: ProjectLoad[];
}

function projectLoads(people: readonly PersonAllocations[], from: number, to: number): ProjectLoad[] {
  const days = to - from + 1;
  const loads = new Map<string, { percentDays: number; people: Set<string> }>();
  for (const person of people) {
    for (const seg of person.segments) {
      const clipped = clip(seg.start, seg.end, from, to);
      if (!clipped) continue;
      let load = loads.get(seg.projectId);
      if (!load) {
        load = { percentDays: 0, people: new Set() };
        loads.set(seg.projectId, load);
      }
      load.percentDays += seg.percent * (clipped[1] - clipped[0] + 1);
      load.people.add(person.personId);
    }
  }
  return [...loads.entries()]
    .map(([projectId, load]) => ({
      projectId,
      averageFte: load.percentDays / 100 / days,
      personDays: load.percentDays / 100,
      people: load.people.size,
    }))
    .sort((a, b) => b.personDays - a.personDays || a.projectId.localeCompare(b.projectId));
}

/** Per-person utilisation and per-project load over `range`, by the sweep. */
export function capacityReport(people: readonly PersonAllocations[], range: DayRange): CapacityReport {
  const [from, to] = numericRange(range);
  return {
    from: range.from,
    to: range.to,
    days: Math.max(0, to - from + 1),
    people: people.map((person) => ({
      personId: person.personId,
      ...utilisation(person.segments, range, person.availability),
    })),
    projects: to < from ? [] : projectLoads(people, from, to),
  };
}

/**
 * The reference implementation: allocation and availability for each day of
 * the range, one array slot per day. Simple enough to be obviously right; the
 * property tests check the sweep against it, and the benchmark compares their
 * cost.
 */
export function capacityByDay(
  segments: readonly AllocationSegment[],
  range: DayRange,
  availability: readonly AvailabilitySpan[] = [],
): { allocated: Float64Array; available: Float64Array } {
  const [from, to] = numericRange(range);
  const days = Math.max(0, to - from + 1);
  const allocated = new Float64Array(days);
  const available = new Float64Array(days).fill(FULL_AVAILABILITY);
  const seen = new Uint8Array(days);
  for (const span of availability) {
    const clipped = clip(span.start, span.end, from, to);
    if (!clipped) continue;
    for (let d = clipped[0]; d <= clipped[1]; d += 1) {
      const i = d - from;
      available[i] = seen[i] ? Math.min(available[i] as number, span.percent) : span.percent;
      seen[i] = 1;
    }
  }
  for (const seg of segments) {
    const clipped = clip(seg.start, seg.end, from, to);
    if (!clipped) continue;
    for (let d = clipped[0]; d <= clipped[1]; d += 1)
      allocated[d - from] = (allocated[d - from] as number) + seg.percent;
  }
  return { allocated, available };
}

/** The same report as capacityReport, computed day by day (for tests and the benchmark). */
export function capacityReportByDay(people: readonly PersonAllocations[], range: DayRange): CapacityReport {
  const [from, to] = numericRange(range);
  const days = Math.max(0, to - from + 1);
  const summaries = people.map((person) => {
    const { allocated, available } = capacityByDay(person.segments, range, person.availability);
    const intervals: NumericInterval[] = [];
    for (let i = 0; i < days; i += 1) {
      const last = intervals.at(-1);
      const a = allocated[i] as number;
      const v = available[i] as number;
      if (last && last.allocated === a && last.available === v) last.end = from + i;
      else intervals.push({ start: from + i, end: from + i, allocated: a, available: v, active: null });
    }
    return { personId: person.personId, ...summarise(intervals, days) };
  });
  return {
    from: range.from,
    to: range.to,
    days,
    people: summaries,
    projects: days ? projectLoads(people, from, to) : [],
  };
}
