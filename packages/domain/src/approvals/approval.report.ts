import { z } from 'zod';
import { addDays, dayInTimezone, daysBetween, isoWeekday, startOfDayIn } from '../common/calendar-days.js';
import { CalendarDay, QueryFlag } from '../common/common.schemas.js';
import type { WorkflowRecord } from './approval.records.js';
import { ApprovalKind } from './approval.schemas.js';

/** The longest period one report covers. */
export const MAX_REPORT_DAYS = 366;

export const ApprovalReportQuery = z
  .strictObject({
    from: CalendarDay.meta({ description: 'First day (requests submitted from this day).' }),
    to: CalendarDay.meta({ description: 'Last day included.' }),
    kind: ApprovalKind.optional(),
    format: z.enum(['json', 'csv']).default('json'),
    byApprover: QueryFlag.default(true).meta({ description: 'Rows per approver as well as per stage.' }),
  })
  .refine((q) => q.from <= q.to, { path: ['to'], message: 'must not be before from' })
  .refine((q) => daysBetween(q.from, q.to) <= MAX_REPORT_DAYS, {
    path: ['to'],
    message: `a report covers at most ${MAX_REPORT_DAYS} days`,
  });
export type ApprovalReportQuery = z.infer<typeof ApprovalReportQuery>;

const Row = z.object({
  kind: ApprovalKind,
  stage: z.string(),
  approverId: z.string().nullable().meta({ description: 'Null on the stage’s own row.' }),
  approverName: z.string().nullable(),
  decisions: z.number().int(),
  approvals: z.number().int(),
  rejections: z.number().int(),
  rejectionRate: z.number().meta({ description: '0…1; 0 with no decisions.' }),
  medianHours: z.number().nullable().meta({ description: 'Median time to decision, in working hours.' }),
  p90Hours: z.number().nullable(),
  automatic: z.number().int().meta({ description: 'Decisions made by the system (timeouts).' }),
});

export const ApprovalReportView = z
  .object({
    from: CalendarDay,
    to: CalendarDay,
    rows: z.array(Row),
    pending: z.array(
      z.object({
        kind: ApprovalKind,
        total: z.number().int(),
        overdue: z.number().int(),
        byAge: z.object({
          underDay: z.number().int(),
          oneToThreeDays: z.number().int(),
          threeToSevenDays: z.number().int(),
          overWeek: z.number().int(),
        }),
      }),
    ),
    escalations: z
      .number()
      .int()
      .meta({ description: 'Stages escalated (escalateAfter) among the workflows of the period.' }),
  })
  .meta({ id: 'ApprovalReport' });
export type ApprovalReportView = z.infer<typeof ApprovalReportView>;

const HOUR = 3_600_000;

/**
 * Hours from `start` to `end` counted on working days only (whole days in the
 * organisation's timezone; a weekend in between does not count against the approver).
 */
export function workingHoursBetween(start: Date, end: Date, workingDays: readonly number[], timeZone: string): number {
  if (end <= start) return 0;
  const week = new Set(workingDays);
  let total = 0;
  // Day by day: each working day contributes the part of it inside [start, end).
  const last = dayInTimezone(end, timeZone);
  for (let day = dayInTimezone(start, timeZone); day <= last; day = addDays(day, 1)) {
    if (!week.has(isoWeekday(day))) continue;
    const from = Math.max(startOfDayIn(day, timeZone).getTime(), start.getTime());
    const to = Math.min(startOfDayIn(addDays(day, 1), timeZone).getTime(), end.getTime());
    if (to > from) total += to - from;
  }
  return Math.round((total / HOUR) * 10) / 10;
}

function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const index = Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? null;
}

/** Decisions per kind, stage and approver with their times, and what is pending by age. */
export function approvalReport(input: {
  query: Pick<ApprovalReportQuery, 'from' | 'to' | 'byApprover'>;
  decided: readonly WorkflowRecord[];
  pending: readonly WorkflowRecord[];
  names: ReadonlyMap<string, string>;
  workingDays: readonly number[];
  timeZone: string;
  now: Date;
}): ApprovalReportView {
  const { query, decided, pending, names, workingDays, timeZone, now } = input;
  type Acc = {
    kind: WorkflowRecord['kind'];
    stage: string;
    approverId: string | null;
    hours: number[];
    approvals: number;
    rejections: number;
    automatic: number;
  };
  const rows = new Map<string, Acc>();
  const add = (
    key: string,
    base: Omit<Acc, 'hours' | 'approvals' | 'rejections' | 'automatic'>,
    hours: number,
    reject: boolean,
    auto: boolean,
  ) => {
    const acc = rows.get(key) ?? { ...base, hours: [], approvals: 0, rejections: 0, automatic: 0 };
    acc.hours.push(hours);
    if (reject) acc.rejections++;
    else acc.approvals++;
    if (auto) acc.automatic++;
    rows.set(key, acc);
  };
  for (const workflow of decided) {
    for (const d of workflow.decisions) {
      // The stage as it was when decided (an edit's new round may have other stages).
      const name = d.stageName;
      const started = d.stageStartedAt ?? workflow.createdAt;
      const hours = workingHoursBetween(started, d.at, workingDays, timeZone);
      const reject = d.decision === 'reject';
      const auto = d.via === 'system';
      add(`${workflow.kind}|${name}|`, { kind: workflow.kind, stage: name, approverId: null }, hours, reject, auto);
      if (query.byApprover && d.by)
        add(
          `${workflow.kind}|${name}|${d.by}`,
          { kind: workflow.kind, stage: name, approverId: d.by },
          hours,
          reject,
          auto,
        );
    }
  }
  const pendingRows = new Map<WorkflowRecord['kind'], ApprovalReportView['pending'][number]>();
  for (const workflow of pending) {
    const row = pendingRows.get(workflow.kind) ?? {
      kind: workflow.kind,
      total: 0,
      overdue: 0,
      byAge: { underDay: 0, oneToThreeDays: 0, threeToSevenDays: 0, overWeek: 0 },
    };
    row.total++;
    const due = workflow.currentStage === null ? null : workflow.stages[workflow.currentStage]?.dueAt;
    if (due && due < now) row.overdue++;
    const ageDays = (now.getTime() - workflow.createdAt.getTime()) / (24 * HOUR);
    if (ageDays < 1) row.byAge.underDay++;
    else if (ageDays < 3) row.byAge.oneToThreeDays++;
    else if (ageDays < 7) row.byAge.threeToSevenDays++;
    else row.byAge.overWeek++;
    pendingRows.set(workflow.kind, row);
  }
  return {
    from: query.from,
    to: query.to,
    rows: [...rows.values()]
      .map((acc) => {
        const sorted = [...acc.hours].sort((a, b) => a - b);
        const decisions = acc.approvals + acc.rejections;
        return {
          kind: acc.kind,
          stage: acc.stage,
          approverId: acc.approverId,
          approverName: acc.approverId ? (names.get(acc.approverId) ?? 'Unknown person') : null,
          decisions,
          approvals: acc.approvals,
          rejections: acc.rejections,
          rejectionRate: decisions === 0 ? 0 : Math.round((acc.rejections / decisions) * 1000) / 1000,
          medianHours: quantile(sorted, 0.5),
          p90Hours: quantile(sorted, 0.9),
          automatic: acc.automatic,
        };
      })
      .sort(
        (a, b) =>
          a.kind.localeCompare(b.kind) ||
          a.stage.localeCompare(b.stage) ||
          (a.approverName ?? '').localeCompare(b.approverName ?? ''),
      ),
    pending: [...pendingRows.values()],
    escalations: decided.reduce((n, w) => n + w.stages.filter((stage) => stage.escalatedAt !== null).length, 0),
  };
}
