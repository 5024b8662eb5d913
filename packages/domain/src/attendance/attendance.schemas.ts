import { z } from 'zod';
import {
  Comment,
  RejectReason,
  reasonForRejection,
  SeenStage,
  WorkflowSummaryView,
  WorkLocationType,
} from '../approvals/approval.schemas.js';
import { CalendarDay, Id, Instant, PageQuery, pageOf, SortOf } from '../common/common.schemas.js';
import { PersonRef } from '../employees/employee.schemas.js';
import { isCidr } from './attendance.network.js';

// ---- The clock ----

export const PUNCH_TYPES = ['start', 'break', 'resume', 'end'] as const;
export const PunchType = z.enum(PUNCH_TYPES).meta({ id: 'PunchType' });
export type PunchType = z.infer<typeof PunchType>;

/** Where a day stands: not started → working ⇄ onBreak → ended. */
export const ATTENDANCE_STATES = ['notStarted', 'working', 'onBreak', 'ended'] as const;
export const AttendanceState = z.enum(ATTENDANCE_STATES).meta({ id: 'AttendanceState' });
export type AttendanceState = z.infer<typeof AttendanceState>;

export const GeoPoint = z
  .strictObject({
    lat: z.number().min(-90).max(90),
    lng: z.number().min(-180).max(180),
    accuracyMeters: z.number().min(0).max(100_000),
  })
  .meta({ id: 'GeoPoint' });
export type GeoPoint = z.infer<typeof GeoPoint>;

/** The body of a punch: nothing, or a note and the device's location. The instant is the server's. */
export const PunchInput = z
  .strictObject({
    note: z.string().trim().min(1).max(500).optional(),
    location: GeoPoint.optional().meta({ description: 'The device’s position, for the office geofence.' }),
  })
  .default({});
export type PunchInput = z.infer<typeof PunchInput>;

/**
 * What a day's record is marked with:
 * - missingCheckout: nobody punched out; the automatic check-out ended the day;
 * - breakTooShort: less break than the rules ask for the time worked (flag mode);
 * - breakDeducted: the missing break was deducted from the worked time (deduct mode);
 * - overMaxHours: worked longer than the daily maximum;
 * - outsideOffice: a punch on an office day that matched no office range or geofence;
 * - officeOnWfhDay: a punch from the office on an approved or profile WFH day.
 */
export const DAY_FLAGS = [
  'missingCheckout',
  'breakTooShort',
  'breakDeducted',
  'overMaxHours',
  'outsideOffice',
  'officeOnWfhDay',
] as const;
export const DayFlag = z.enum(DAY_FLAGS).meta({ id: 'AttendanceFlag' });
export type DayFlag = z.infer<typeof DayFlag>;
export const LOCATION_FLAGS: readonly DayFlag[] = ['outsideOffice', 'officeOnWfhDay'];

// ---- Settings ----

const LocalTime = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a local time as HH:MM (00:00–23:59)')
  .meta({ example: '09:30' });

export const BreakRule = z
  .strictObject({
    afterMinutes: z
      .number()
      .int()
      .min(1)
      .max(24 * 60),
    minBreakMinutes: z.number().int().min(1).max(240),
  })
  .meta({ id: 'BreakRule', description: 'Worked longer than afterMinutes: at least minBreakMinutes of breaks.' });
export type BreakRule = z.infer<typeof BreakRule>;

export const LocationPolicy = z.enum(['off', 'flag', 'enforce']).meta({ id: 'LocationPolicy' });
export type LocationPolicy = z.infer<typeof LocationPolicy>;

export const Geofence = z
  .strictObject({
    lat: z.number().min(-90).max(90),
    lng: z.number().min(-180).max(180),
    radiusMeters: z.number().int().min(10).max(100_000),
  })
  .meta({ id: 'Geofence' });
export type Geofence = z.infer<typeof Geofence>;

export const AttendanceSettings = z.object({
  multipleSessionsPerDay: z
    .boolean()
    .meta({ description: 'An ended day may be started again (a split shift); off: one session per day.' }),
  breakRules: z
    .array(BreakRule)
    .max(10)
    .meta({ description: 'Minimum breaks by worked time; the longest rule that applies counts.' }),
  breakRuleMode: z.enum(['flag', 'deduct']).meta({
    description:
      'flag: a day with too little break is flagged; deduct: the missing minutes are deducted from the worked time (a visible adjustment; punches stay).',
  }),
  maxDailyMinutes: z
    .number()
    .int()
    .min(60)
    .max(24 * 60)
    .nullable()
    .meta({ description: 'Worked longer than this: the day is flagged overMaxHours; null: no limit.' }),
  lateAfter: LocalTime.nullable().meta({ description: 'A start after this local time counts as late in the report.' }),
  autoCheckoutAt: LocalTime.nullable().meta({
    description:
      'Days still open are ended at this local time of their day when it comes after their last punch; otherwise (and when null) at the day’s end or 12 hours after the first start, whichever is later. They are flagged missingCheckout.',
  }),
  correctionWindowDays: z
    .number()
    .int()
    .min(0)
    .max(366)
    .meta({ description: 'How many days back a correction may be asked for (0: today only).' }),
  location: z.strictObject({
    policy: LocationPolicy.meta({
      description:
        'off: no checks; flag: a punch on an office day away from the office is flagged; enforce: it is refused (403 LOCATION_NOT_ALLOWED).',
    }),
    officeIpRanges: z
      .array(z.string().trim().refine(isCidr, 'must be an IPv4 or IPv6 CIDR range such as 10.0.0.0/8'))
      .max(100),
    officeGeofence: Geofence.nullable(),
  }),
});
export type AttendanceSettings = z.infer<typeof AttendanceSettings>;

export const DEFAULT_ATTENDANCE_SETTINGS: AttendanceSettings = {
  multipleSessionsPerDay: false,
  breakRules: [
    { afterMinutes: 360, minBreakMinutes: 30 },
    { afterMinutes: 540, minBreakMinutes: 45 },
  ],
  breakRuleMode: 'flag',
  maxDailyMinutes: 600,
  lateAfter: '09:30',
  autoCheckoutAt: null,
  correctionWindowDays: 30,
  location: { policy: 'off', officeIpRanges: [], officeGeofence: null },
};

// ---- Views of a day ----

export const PunchView = z
  .object({
    type: PunchType,
    at: Instant,
    source: z.enum(['punch', 'auto']).meta({ description: 'auto: the automatic check-out, nobody punched.' }),
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
    location: GeoPoint.nullable(),
    note: z.string().nullable(),
    flags: z.array(DayFlag),
  })
  .meta({ id: 'Punch' });
export type PunchView = z.infer<typeof PunchView>;

export const CorrectedPunch = z.strictObject({ type: PunchType, at: Instant }).meta({ id: 'CorrectedPunch' });
export type CorrectedPunch = z.infer<typeof CorrectedPunch>;

/** The figures of a day from a list of punches. */
export const DayFigures = z
  .object({
    state: AttendanceState,
    startedAt: Instant.nullable(),
    endedAt: Instant.nullable(),
    workedMinutes: z.number().int().meta({ description: 'Time working (breaks excluded), deductions taken off.' }),
    breakMinutes: z.number().int(),
    deductedMinutes: z.number().int().meta({ description: 'Missing break deducted under the deduct rule.' }),
    requiredBreakMinutes: z.number().int(),
  })
  .meta({ id: 'AttendanceDayFigures' });
export type DayFigures = z.infer<typeof DayFigures>;

export const MyStatusView = z
  .object({
    date: CalendarDay,
    state: AttendanceState,
    allowed: z.array(PunchType).meta({ description: 'The punches that are possible now.' }),
    punches: z.array(PunchView),
    figures: DayFigures,
    workLocation: WorkLocationType.nullable(),
    warnings: z.array(z.string()),
    flags: z.array(DayFlag),
  })
  .meta({ id: 'AttendanceStatus' });
export type MyStatusView = z.infer<typeof MyStatusView>;

export const AppliedCorrectionView = z
  .object({
    correctionId: Id,
    punches: z.array(CorrectedPunch),
    approvedAt: Instant,
    approvedBy: z.array(PersonRef),
    inEffect: z.boolean().meta({
      description: 'false: approved after the month was locked; it takes effect only if an Admin unlocks the month.',
    }),
  })
  .meta({ id: 'AppliedCorrection' });

export const AttendanceDayView = z
  .object({
    date: CalendarDay,
    user: PersonRef,
    original: z.object({ punches: z.array(PunchView), figures: DayFigures }),
    effective: z.object({ punches: z.array(CorrectedPunch), figures: DayFigures }),
    corrections: z.array(AppliedCorrectionView),
    workLocation: WorkLocationType.nullable(),
    flags: z.array(DayFlag),
    locked: z.boolean(),
  })
  .meta({ id: 'AttendanceDay' });
export type AttendanceDayView = z.infer<typeof AttendanceDayView>;

export const MAX_RECORDS_RANGE_DAYS = 366;

export const AttendanceRecordsQuery = z
  .strictObject({
    userId: Id.optional().meta({ description: 'Someone else (their managers, HR); you by default.' }),
    from: CalendarDay.optional().meta({ description: '30 days before to by default.' }),
    to: CalendarDay.optional().meta({ description: 'Today by default.' }),
  })
  .refine((v) => !v.from || !v.to || v.from <= v.to, { message: 'to must not be before from', path: ['to'] });
export type AttendanceRecordsQuery = z.infer<typeof AttendanceRecordsQuery>;

// ---- Today's workforce ----

export const TODAY_STATES = ['working', 'onBreak', 'done', 'notStarted', 'onLeave', 'holiday', 'dayOff'] as const;
export const TodayState = z.enum(TODAY_STATES).meta({ id: 'WorkforceState' });
export type TodayState = z.infer<typeof TodayState>;

export const TodayQuery = PageQuery.extend({
  department: z.string().trim().min(1).max(100).optional(),
  state: TodayState.optional(),
});
export type TodayQuery = z.infer<typeof TodayQuery>;

export const TodayPersonView = z
  .object({
    user: PersonRef,
    department: z.string().nullable(),
    state: TodayState,
    workLocation: WorkLocationType.nullable(),
    startedAt: Instant.nullable(),
    flags: z.array(DayFlag),
  })
  .meta({ id: 'WorkforcePerson' });
export type TodayPersonView = z.infer<typeof TodayPersonView>;

export const TodayView = z
  .object({
    date: CalendarDay,
    counts: z.record(TodayState, z.number().int()).meta({ description: 'People per state (before the state filter).' }),
    people: pageOf(TodayPersonView).meta({ description: 'A page of people, by name, in the state asked for.' }),
  })
  .meta({ id: 'Workforce' });
export type TodayView = z.infer<typeof TodayView>;

// ---- Corrections (time_change_requests) ----

export const CorrectionStatus = z
  .enum(['pending', 'approved', 'rejected', 'cancelled'])
  .meta({ id: 'AttendanceCorrectionStatus' });
export type CorrectionStatus = z.infer<typeof CorrectionStatus>;

export const CreateCorrectionInput = z.strictObject({
  date: CalendarDay,
  punches: z
    .array(CorrectedPunch)
    .min(1)
    .max(40)
    .meta({ description: 'The day as it should read, in order: it replaces the punches in the effective view.' }),
  reason: z.string().trim().min(1).max(1000),
});
export type CreateCorrectionInput = z.infer<typeof CreateCorrectionInput>;

export const CorrectionView = z
  .object({
    id: Id,
    user: PersonRef,
    date: CalendarDay,
    punches: z.array(CorrectedPunch),
    reason: z.string(),
    status: CorrectionStatus,
    workflowId: Id,
    approval: WorkflowSummaryView,
    decidedAt: Instant.nullable(),
    version: z.number().int(),
    createdAt: Instant,
    updatedAt: Instant,
  })
  .meta({ id: 'AttendanceCorrection' });
export type CorrectionView = z.infer<typeof CorrectionView>;

export const ListCorrectionsQuery = PageQuery.extend({
  status: CorrectionStatus.optional(),
  userId: Id.optional(),
  from: CalendarDay.optional(),
  to: CalendarDay.optional(),
  sort: SortOf(['startDate', '-startDate', 'createdAt', '-createdAt'] as const)
    .default('-startDate')
    .meta({ description: 'startDate: the corrected day.' }),
});
export type ListCorrectionsQuery = z.infer<typeof ListCorrectionsQuery>;

export const UpdateCorrectionInput = z
  .strictObject({
    id: Id,
    action: z.enum(['approve', 'reject', 'cancel']),
    comment: Comment.optional(),
    reason: RejectReason.optional().meta({ description: 'Required to reject.' }),
    ...SeenStage,
  })
  .superRefine((input, ctx) => reasonForRejection({ decision: input.action, reason: input.reason }, ctx));
export type UpdateCorrectionInput = z.infer<typeof UpdateCorrectionInput>;

// ---- Period locks ----

export const Month = z
  .string()
  .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a month as YYYY-MM')
  .meta({ example: '2026-03' });

export const CreateLockInput = z.strictObject({ month: Month });
export const LockParams = z.strictObject({ month: Month });

export const AttendanceLockView = z
  .object({ month: Month, lockedAt: Instant, lockedBy: PersonRef })
  .meta({ id: 'AttendanceLock' });
export type AttendanceLockView = z.infer<typeof AttendanceLockView>;

// ---- Report ----

export const AttendanceReportQuery = z
  .strictObject({
    from: CalendarDay.optional().meta({ description: 'The first of to’s month by default.' }),
    to: CalendarDay.optional().meta({ description: 'Today by default.' }),
    department: z.string().trim().min(1).max(100).optional(),
    format: z.enum(['json', 'csv']).default('json'),
  })
  .refine((v) => !v.from || !v.to || v.from <= v.to, { message: 'to must not be before from', path: ['to'] });
export type AttendanceReportQuery = z.infer<typeof AttendanceReportQuery>;

const ReportFigures = {
  daysWorked: z.number().int(),
  workedMinutes: z.number().int(),
  averageWorkedHours: z.number().meta({ description: 'Per day worked, two decimals.' }),
  breakMinutes: z.number().int(),
  lateStarts: z.number().int(),
  missingCheckouts: z.number().int(),
  corrections: z.number().int().meta({ description: 'Corrections asked for days in the range (any state).' }),
  locationMismatches: z.number().int(),
};

export const AttendanceReportView = z
  .object({
    from: CalendarDay,
    to: CalendarDay,
    generatedAt: Instant,
    people: z.array(z.object({ employee: PersonRef, department: z.string().nullable(), ...ReportFigures })),
    totals: z.object({ people: z.number().int(), ...ReportFigures }),
  })
  .meta({ id: 'AttendanceReport' });
export type AttendanceReportView = z.infer<typeof AttendanceReportView>;
