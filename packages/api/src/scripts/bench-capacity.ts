import { createHash } from 'node:crypto';
import {
  type AllocationSegment,
  addDays,
  type CapacityReport,
  capacityReport,
  capacityReportByDay,
  type PersonAllocations,
} from '@seed-pms/domain';
import { mulberry32 } from './seed-common.js';

/**
 * One run of the capacity benchmark, in a process of its own so that its peak
 * memory is its own: builds `people` people with `segments` allocation
 * segments spread over a year (seeded, so every run gets the same data), then
 * computes the capacity report over that year with the sweep (`sweep`), day
 * by day (`daily`), or not at all (`none`, the baseline of the data alone).
 * Prints one JSON line: time, peak RSS and a digest of the report.
 *
 *   tsx bench-capacity.ts <sweep|daily|none> [people] [segments]
 */
const [mode = 'sweep', peopleArg = '10000', segmentsArg = '50000'] = process.argv.slice(2);
const peopleCount = Number(peopleArg);
const segmentCount = Number(segmentsArg);
const YEAR = { from: '2027-01-01', to: '2027-12-31' };
const PERCENTS = [10, 20, 25, 30, 40, 50, 60, 80, 100];

function benchAllocations(people: number, segments: number, seed = 2026): PersonAllocations[] {
  const random = mulberry32(seed);
  const byPerson: AllocationSegment[][] = Array.from({ length: people }, () => []);
  for (let i = 0; i < segments; i += 1) {
    const person = Math.floor(random() * people);
    // Starting up to a quarter before the year and running 2 weeks to 9 months; a few open-ended.
    const start = addDays(YEAR.from, Math.floor(random() * 455) - 90);
    const open = random() < 0.05;
    (byPerson[person] as AllocationSegment[]).push({
      id: `s${i}`,
      projectId: `p${Math.floor(random() * 2000)}`,
      start,
      end: open ? null : addDays(start, 14 + Math.floor(random() * 260)),
      percent: PERCENTS[Math.floor(random() * PERCENTS.length)] as number,
    });
  }
  return byPerson.map((list, i) => ({ personId: `e${i}`, segments: list }));
}

function digest(report: CapacityReport): string {
  // Averages rounded: the two methods add in different orders.
  const people = report.people.map((p) => ({ ...p, averagePercent: Math.round(p.averagePercent * 1e6) / 1e6 }));
  return createHash('sha256')
    .update(JSON.stringify({ ...report, people }))
    .digest('hex')
    .slice(0, 16);
}

{
  const data = benchAllocations(peopleCount, segmentCount);
  const baselineRss = process.resourceUsage().maxRSS;
  const started = performance.now();
  const report =
    mode === 'sweep' ? capacityReport(data, YEAR) : mode === 'daily' ? capacityReportByDay(data, YEAR) : null;
  const ms = performance.now() - started;
  const overAllocated = report ? report.people.filter((p) => p.overAllocatedDays > 0).length : 0;
  process.stdout.write(
    `${JSON.stringify({
      mode,
      people: peopleCount,
      segments: segmentCount,
      ms,
      dataPeakRssMb: baselineRss / 1024,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
      overAllocated,
      digest: report ? digest(report) : null,
    })}\n`,
  );
}
