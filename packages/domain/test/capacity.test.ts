import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AllocationSegment,
  type AvailabilitySpan,
  addDays,
  capacityByDay,
  capacityReport,
  capacityReportByDay,
  capacityTimeline,
  changesPast,
  dayNumber,
  findCapacityBreach,
  overAllocatedIntervals,
  peakOf,
  planRosterChange,
  utilisation,
} from '../src/index.js';

const BASE = '2026-01-01';
const day = (offset: number) => addDays(BASE, offset);

/** Random segments around a 200-day window: some open-ended, some outside the range, overlapping freely. */
const segmentArb = (id: number) =>
  fc
    .record({
      start: fc.integer({ min: -30, max: 200 }),
      length: fc.integer({ min: 0, max: 120 }),
      open: fc.boolean().map((b) => b && Math.random() < 0.3),
      percent: fc.integer({ min: 1, max: 100 }),
      project: fc.integer({ min: 0, max: 4 }),
    })
    .map(
      (r): AllocationSegment => ({
        id: `s${id}`,
        projectId: `p${r.project}`,
        start: day(r.start),
        end: r.open ? null : day(r.start + r.length),
        percent: r.percent,
      }),
    );

const segmentsArb: fc.Arbitrary<AllocationSegment[]> = fc
  .array(segmentArb(0), { maxLength: 12 })
  .map((segments) => segments.map((segment, i) => ({ ...segment, id: `s${i}` })));

const availabilityArb = fc.array(
  fc
    .record({
      start: fc.integer({ min: -10, max: 200 }),
      length: fc.integer({ min: 0, max: 30 }),
      percent: fc.integer({ min: 0, max: 100 }),
    })
    .map((r): AvailabilitySpan => ({ start: day(r.start), end: day(r.start + r.length), percent: r.percent })),
  { maxLength: 4 },
);

const rangeArb = fc
  .record({ from: fc.integer({ min: -20, max: 180 }), length: fc.integer({ min: 0, max: 220 }) })
  .map((r) => ({ from: day(r.from), to: day(r.from + r.length) }));

function coversDay(segment: AllocationSegment, d: number): boolean {
  return dayNumber(segment.start) <= d && (segment.end === null || dayNumber(segment.end) >= d);
}

describe('capacity engine (sweep) against the day-by-day reference', () => {
  it('the timeline covers the range day by day with the same allocation, availability and segments', () => {
    fc.assert(
      fc.property(segmentsArb, availabilityArb, rangeArb, (segments, availability, range) => {
        const timeline = capacityTimeline(segments, range, availability);
        const { allocated, available } = capacityByDay(segments, range, availability);
        const from = dayNumber(range.from);
        expect(timeline[0]?.start).toBe(range.from);
        expect(timeline.at(-1)?.end).toBe(range.to);
        let expectedNext = from;
        for (const interval of timeline) {
          expect(dayNumber(interval.start)).toBe(expectedNext);
          expect(dayNumber(interval.end)).toBeGreaterThanOrEqual(dayNumber(interval.start));
          for (let d = dayNumber(interval.start); d <= dayNumber(interval.end); d += 1) {
            expect(interval.allocatedPercent).toBe(allocated[d - from]);
            expect(interval.availablePercent).toBe(available[d - from]);
            const covering = segments.filter((s) => coversDay(s, d)).map((s) => s.id);
            expect([...interval.segmentIds].sort()).toEqual(covering.sort());
          }
          expectedNext = dayNumber(interval.end) + 1;
        }
        expect(expectedNext).toBe(dayNumber(range.to) + 1);
      }),
      { numRuns: 300 },
    );
  });

  it('peak and over-allocated intervals agree with the daily figures', () => {
    fc.assert(
      fc.property(segmentsArb, availabilityArb, rangeArb, (segments, availability, range) => {
        const timeline = capacityTimeline(segments, range, availability);
        const { allocated, available } = capacityByDay(segments, range, availability);
        const max = Math.max(...allocated);
        expect(peakOf(timeline)?.allocatedPercent).toBe(max);
        const firstPeakDay = allocated.indexOf(max);
        expect(dayNumber(peakOf(timeline)?.start ?? '')).toBeLessThanOrEqual(dayNumber(range.from) + firstPeakDay);
        const overDays = overAllocatedIntervals(timeline).reduce(
          (n, i) => n + dayNumber(i.end) - dayNumber(i.start) + 1,
          0,
        );
        expect(overDays).toBe(allocated.filter((a, i) => a > (available[i] as number)).length);
      }),
      { numRuns: 300 },
    );
  });

  it('the report (average, peak, over-allocated stretches, project load) equals the day-by-day report', () => {
    const peopleArb = fc.array(
      fc.record({ personId: fc.uuid(), segments: segmentsArb, availability: availabilityArb }),
      { maxLength: 6 },
    );
    fc.assert(
      fc.property(peopleArb, rangeArb, (people, range) => {
        const swept = capacityReport(people, range);
        const daily = capacityReportByDay(people, range);
        expect(swept.days).toBe(daily.days);
        expect(swept.projects).toEqual(daily.projects);
        swept.people.forEach((person, i) => {
          const reference = daily.people[i];
          expect(person.averagePercent).toBeCloseTo(reference?.averagePercent ?? Number.NaN, 9);
          expect(person.peakPercent).toBe(reference?.peakPercent);
          expect(person.overAllocatedDays).toBe(reference?.overAllocatedDays);
          expect(person.overAllocations).toEqual(reference?.overAllocations);
        });
      }),
      { numRuns: 200 },
    );
  });

  it('a change is refused exactly when it raises some day above availability, at the first such day', () => {
    const changeArb = fc.record({
      before: segmentsArb,
      added: fc
        .array(segmentArb(100), { maxLength: 1 })
        .chain((first) => fc.array(segmentArb(101), { maxLength: 1 }).map((second) => [...first, ...second])),
      dropFirst: fc.boolean(),
      availability: availabilityArb,
      range: rangeArb,
    });
    fc.assert(
      fc.property(changeArb, ({ before, added, dropFirst, availability, range }) => {
        const after = [...(dropFirst ? before.slice(1) : before), ...added];
        const breach = findCapacityBreach(before, after, range, availability);
        const prior = capacityByDay(before, range, availability).allocated;
        const { allocated, available } = capacityByDay(after, range, availability);
        const bad = [...allocated.keys()].filter(
          (i) => (allocated[i] as number) > (available[i] as number) && (allocated[i] as number) > (prior[i] as number),
        );
        if (bad.length === 0) {
          expect(breach).toBeNull();
          return;
        }
        expect(breach).not.toBeNull();
        const from = dayNumber(range.from);
        expect(dayNumber(breach?.start ?? '')).toBe(from + (bad[0] as number));
        for (let d = dayNumber(breach?.start ?? ''); d <= dayNumber(breach?.end ?? ''); d += 1) {
          expect(bad).toContain(d - from);
          expect(breach?.totalPercent).toBe(allocated[d - from]);
        }
        const contributing = after.filter((s) => coversDay(s, dayNumber(breach?.start ?? ''))).map((s) => s.id);
        expect([...(breach?.segmentIds ?? [])].sort()).toEqual(contributing.sort());
      }),
      { numRuns: 300 },
    );
  });
});

describe('capacity engine examples', () => {
  const a: AllocationSegment = { id: 'a', projectId: 'p1', start: '2026-03-01', end: '2026-03-31', percent: 60 };
  const b: AllocationSegment = { id: 'b', projectId: 'p2', start: '2026-03-15', end: null, percent: 50 };

  it('finds the peak and the stretch above 100%', () => {
    const timeline = capacityTimeline([a, b], { from: '2026-03-01', to: '2026-04-30' });
    expect(timeline.map((i) => [i.start, i.end, i.allocatedPercent])).toEqual([
      ['2026-03-01', '2026-03-14', 60],
      ['2026-03-15', '2026-03-31', 110],
      ['2026-04-01', '2026-04-30', 50],
    ]);
    expect(peakOf(timeline)?.segmentIds).toEqual(['a', 'b']);
    const summary = utilisation([a, b], { from: '2026-03-01', to: '2026-04-30' });
    expect(summary.overAllocations).toEqual([{ start: '2026-03-15', end: '2026-03-31', peakPercent: 110 }]);
    expect(summary.averagePercent).toBeCloseTo((60 * 14 + 110 * 17 + 50 * 30) / 61, 9);
  });

  it('availability lowers the limit: 60% on a half day is over-allocated', () => {
    const summary = utilisation([a], { from: '2026-03-01', to: '2026-03-31' }, [
      { start: '2026-03-10', end: '2026-03-11', percent: 50 },
    ]);
    expect(summary.overAllocations).toEqual([{ start: '2026-03-10', end: '2026-03-11', peakPercent: 60 }]);
  });

  it('lowering an allocation on days already above 100% is accepted; raising it is not', () => {
    const range = { from: '2026-03-01', to: '2026-12-31' };
    const lowered = { ...b, id: 'b2', percent: 45 };
    expect(findCapacityBreach([a, b], [a, lowered], range)).toBeNull();
    const raised = { ...b, id: 'b3', percent: 55 };
    expect(findCapacityBreach([a, b], [a, raised], range)).toMatchObject({
      start: '2026-03-15',
      end: '2026-03-31',
      totalPercent: 115,
    });
  });
});

describe('roster plans', () => {
  it('tells a plan that rewrites days before today from one that does not', () => {
    const current = [{ id: 'a', role: 'member' as const, percent: 50, start: '2030-01-01', end: null }];
    const fromToday = planRosterChange(current, { kind: 'update', from: '2030-03-01', percent: 80 }, () => 'x');
    expect(changesPast(current, fromToday, '2030-03-01')).toBe(false);
    const earlier = planRosterChange(current, { kind: 'update', from: '2030-02-20', percent: 80 }, () => 'y');
    expect(changesPast(current, earlier, '2030-03-01')).toBe(true);
    expect(
      changesPast(
        current,
        planRosterChange(current, { kind: 'end', lastDay: '2030-02-28' }, () => 'z'),
        '2030-03-01',
      ),
    ).toBe(false);
    expect(
      changesPast(
        current,
        planRosterChange(current, { kind: 'end', lastDay: '2030-02-10' }, () => 'w'),
        '2030-03-01',
      ),
    ).toBe(true);
  });

  let n = 0;
  const newId = () => {
    n += 1;
    return `n${n}`;
  };
  const seg = (id: string, start: string, end: string | null, percent = 50, role: 'lead' | 'member' = 'member') => ({
    id,
    role,
    percent,
    start,
    end,
  });

  it('a change from a day on splits the segment, keeping the earlier days as they were', () => {
    const plan = planRosterChange(
      [seg('a', '2030-01-01', '2030-12-31')],
      { kind: 'update', from: '2030-07-01', percent: 80 },
      newId,
    );
    expect(plan.retire.map((s) => s.id)).toEqual(['a']);
    expect(plan.keep).toEqual([]);
    expect(plan.create.map((s) => [s.start, s.end, s.percent])).toEqual([
      ['2030-01-01', '2030-06-30', 50],
      ['2030-07-01', '2030-12-31', 80],
    ]);
  });

  it('an unchanged piece keeps its segment; a change back to the old values joins the pieces again', () => {
    const current = [seg('a', '2030-01-01', '2030-06-30'), seg('b', '2030-07-01', '2030-12-31', 80)];
    const same = planRosterChange(current, { kind: 'update', from: '2030-07-01', percent: 80 }, newId);
    expect(same).toEqual({ keep: current, retire: [], create: [] });
    const back = planRosterChange(current, { kind: 'update', from: '2030-07-01', percent: 50 }, newId);
    expect(back.create.map((s) => [s.start, s.end, s.percent])).toEqual([['2030-01-01', '2030-12-31', 50]]);
  });

  it('ending drops days after the last day and segments not yet begun; end and start move the edges', () => {
    const current = [seg('a', '2030-01-01', '2030-06-30'), seg('b', '2030-07-01', null, 80)];
    const ended = planRosterChange(current, { kind: 'end', lastDay: '2030-03-31' }, newId);
    expect(ended.keep).toEqual([]);
    expect(ended.retire.map((s) => s.id).sort()).toEqual(['a', 'b']);
    expect(ended.create.map((s) => [s.start, s.end])).toEqual([['2030-01-01', '2030-03-31']]);
    const clipped = planRosterChange(current, { kind: 'clip', first: '2030-03-01', last: '2030-08-31' }, newId);
    expect(clipped.create.map((s) => [s.start, s.end, s.percent])).toEqual([
      ['2030-03-01', '2030-06-30', 50],
      ['2030-07-01', '2030-08-31', 80],
    ]);
    expect(planRosterChange(current, { kind: 'clip', first: '2031-01-01', last: null }, newId).create).toMatchObject([
      { start: '2031-01-01', end: null, percent: 80 },
    ]);
    // An end falling between two stints cuts the later one and never stretches the earlier.
    const stints = [seg('a', '2030-01-01', '2030-02-28'), seg('b', '2030-06-01', '2030-12-31')];
    const cut = planRosterChange(stints, { kind: 'update', from: '2030-01-01', end: '2030-04-01' }, newId);
    expect(cut).toMatchObject({ keep: [stints[0]], create: [] });
    expect(cut.retire.map((s) => s.id)).toEqual(['b']);
    const moved = planRosterChange(
      current,
      { kind: 'update', from: '2030-01-01', start: '2030-02-01', end: '2030-09-30' },
      newId,
    );
    expect(moved.create.map((s) => [s.start, s.end, s.percent])).toEqual([
      ['2030-02-01', '2030-06-30', 50],
      ['2030-07-01', '2030-09-30', 80],
    ]);
  });
});
