import { z } from 'zod';
import {
  RequestDecisionInput,
  RequestRejectInput,
  WorkflowSummaryView,
  WorkflowView,
} from '../approvals/approval.schemas.js';
import { AttendanceState, DayFlag } from '../attendance/attendance.schemas.js';
import {
  CalendarDay,
  ExpectedVersion,
  Id,
  Instant,
  PageQuery,
  QueryFlag,
  QueryInt,
  SortOf,
} from '../common/common.schemas.js';
import { singleLine } from '../common/text.js';
import { PersonRef } from '../employees/employee.schemas.js';

/** The longest request, and the longest calendar or report range: a year and a day. */
export const MAX_LEAVE_RANGE_DAYS = 366;

const Name = singleLine(z.string().trim().min(1).max(100));
const Units = z
  .number()
  .min(0)
  .max(10_000)
  .multipleOf(0.01, { error: 'at most two decimals' })
  .meta({ description: 'In the type’s unit (days or hours), at most two decimals.' });

export const LeaveUnit = z.enum(['day', 'hour']).meta({ id: 'LeaveUnit' });
export type LeaveUnit = z.infer<typeof LeaveUnit>;
export const AccrualRule = z.enum(['none', 'monthly', 'yearly']).meta({
  id: 'LeaveAccrual',
  description:
    'none: no balance (requests are counted, not checked: sick, unpaid); yearly: the year’s entitlement on its first day; monthly: a twelfth on the first of each month. Pro-rata from the join date and to the leaving day.',
});
export const HalfDay = z.enum(['am', 'pm']).meta({ id: 'HalfDay' });
export type HalfDay = z.infer<typeof HalfDay>;
export type AccrualRule = z.infer<typeof AccrualRule>;
export const Colour = z
  .string()
  .regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour as #RRGGBB')
  .meta({ example: '#2f80ed' });

// ---- Leave types ----

const leaveTypeFields = {
  name: Name.meta({ description: 'Unique, whatever the case.' }),
  code: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_-]{1,20}$/, 'letters, digits, _ and -, at most 20')
    .transform((c) => c.toUpperCase())
    .meta({ description: 'A short unique code (stored upper case).', example: 'ANNUAL' }),
  colour: Colour,
  paid: z.boolean(),
  unit: LeaveUnit.meta({ description: 'day (half days allowed) or hour.' }),
  accrual: AccrualRule,
  yearlyEntitlement: Units.nullable().meta({
    description: 'A full year’s entitlement; required unless accrual is none.',
  }),
  carryForwardCap: Units.nullable().meta({
    description: 'At most this much carries into the next year; null: nothing.',
  }),
  carryForwardExpiryMonths: z
    .number()
    .int()
    .min(1)
    .max(12)
    .nullable()
    .meta({ description: 'Carried days lapse after this month of the new year (3: after 31 March); null: never.' }),
  allowNegative: Units.meta({ description: 'The balance may go this far below zero.' }),
  maxConsecutiveDays: z.number().int().min(1).max(366).nullable(),
  minNoticeDays: z.number().int().min(0).max(365),
  maxPastDays: z.number().int().min(0).max(366).meta({
    description: 'A request may start this many days before today (sick leave told afterwards); HR records any day.',
  }),
  documentRequiredAfterDays: Units.nullable().meta({
    description: 'Requests longer than this need a supporting document.',
  }),
  countWeekends: z.boolean().meta({ description: 'Non-working weekdays inside a request count.' }),
  countHolidays: z.boolean().meta({ description: 'Holidays inside a request count.' }),
  minServiceDays: z
    .number()
    .int()
    .min(0)
    .max(3650)
    .meta({ description: 'Requestable after this many days since joining.' }),
};

function entitlementForAccrual(
  input: { accrual?: string | undefined; yearlyEntitlement?: number | null | undefined },
  ctx: z.RefinementCtx,
) {
  if (input.accrual !== undefined && input.accrual !== 'none' && input.yearlyEntitlement === null) {
    ctx.addIssue({
      code: 'custom',
      path: ['yearlyEntitlement'],
      message: 'an accruing type needs a yearly entitlement',
    });
  }
}

export const CreateLeaveTypeInput = z
  .strictObject({
    name: leaveTypeFields.name,
    code: leaveTypeFields.code,
    colour: leaveTypeFields.colour.default('#2f80ed'),
    paid: leaveTypeFields.paid.default(true),
    unit: leaveTypeFields.unit.default('day'),
    accrual: leaveTypeFields.accrual.default('none'),
    yearlyEntitlement: leaveTypeFields.yearlyEntitlement.default(null),
    carryForwardCap: leaveTypeFields.carryForwardCap.default(null),
    carryForwardExpiryMonths: leaveTypeFields.carryForwardExpiryMonths.default(null),
    allowNegative: leaveTypeFields.allowNegative.default(0),
    maxConsecutiveDays: leaveTypeFields.maxConsecutiveDays.default(null),
    minNoticeDays: leaveTypeFields.minNoticeDays.default(0),
    maxPastDays: leaveTypeFields.maxPastDays.default(0),
    documentRequiredAfterDays: leaveTypeFields.documentRequiredAfterDays.default(null),
    countWeekends: leaveTypeFields.countWeekends.default(false),
    countHolidays: leaveTypeFields.countHolidays.default(false),
    minServiceDays: leaveTypeFields.minServiceDays.default(0),
  })
  .superRefine(entitlementForAccrual);
export type CreateLeaveTypeInput = z.infer<typeof CreateLeaveTypeInput>;
export type LeaveTypeFields = CreateLeaveTypeInput;

export const UpdateLeaveTypeInput = z
  .strictObject(leaveTypeFields)
  .partial()
  .extend({
    id: Id,
    version: ExpectedVersion,
    archived: z.boolean().optional().meta({ description: 'Archive (no new requests; history stays) or restore.' }),
  })
  .superRefine(entitlementForAccrual);
export type UpdateLeaveTypeInput = z.infer<typeof UpdateLeaveTypeInput>;

export const LeaveTypeView = z
  .object({
    id: Id,
    ...leaveTypeFields,
    code: z.string(),
    archived: z.boolean(),
    version: z.number().int(),
    createdAt: Instant,
    updatedAt: Instant,
  })
  .meta({ id: 'LeaveType' });
export type LeaveTypeView = z.infer<typeof LeaveTypeView>;

export const ListLeaveTypesQuery = z.strictObject({
  includeArchived: QueryFlag.default(false).meta({ description: 'Also list archived types.' }),
});
export type ListLeaveTypesQuery = z.infer<typeof ListLeaveTypesQuery>;

export const LeaveTypeRef = z
  .object({ id: Id, name: z.string(), code: z.string(), colour: z.string(), unit: LeaveUnit, paid: z.boolean() })
  .meta({ id: 'LeaveTypeRef' });
export type LeaveTypeRef = z.infer<typeof LeaveTypeRef>;

// ---- Holiday calendars ----

export const HolidayInput = z.strictObject({
  date: CalendarDay,
  name: Name,
  halfDay: z.boolean().default(false).meta({ description: 'Half a day off.' }),
});

const HolidayDays = z
  .array(HolidayInput)
  .max(400)
  .refine((days) => new Set(days.map((d) => d.date)).size === days.length, 'each date once');

const Locations = z
  .array(singleLine(z.string().trim().min(1).max(100)))
  .max(50)
  .meta({
    description:
      'Whom this calendar is for: people whose profile office, city or country is one of these (any case); the rest follow the default calendar.',
  });

export const CreateHolidayCalendarInput = z.strictObject({
  name: Name,
  isDefault: z.boolean().default(false).meta({ description: 'The organisation’s calendar (the first one is).' }),
  locations: Locations.default([]),
  days: HolidayDays.default([]),
});
export type CreateHolidayCalendarInput = z.infer<typeof CreateHolidayCalendarInput>;

export const UpdateHolidayCalendarInput = z.strictObject({
  id: Id,
  version: ExpectedVersion,
  name: Name.optional(),
  isDefault: z
    .literal(true)
    .optional()
    .meta({ description: 'Make this the default (another default stops being one).' }),
  locations: Locations.optional(),
  days: HolidayDays.optional().meta({ description: 'The whole list; replaces the current one.' }),
});
export type UpdateHolidayCalendarInput = z.infer<typeof UpdateHolidayCalendarInput>;

export const HolidayView = z
  .object({ date: CalendarDay, name: z.string(), halfDay: z.boolean() })
  .meta({ id: 'Holiday' });

export const HolidayCalendarView = z
  .object({
    id: Id,
    name: z.string(),
    isDefault: z.boolean(),
    locations: z.array(z.string()),
    days: z.array(HolidayView),
    version: z.number().int(),
    createdAt: Instant,
    updatedAt: Instant,
  })
  .meta({ id: 'HolidayCalendar' });
export type HolidayCalendarView = z.infer<typeof HolidayCalendarView>;

export const ListHolidayCalendarsQuery = z.strictObject({
  year: QueryInt(1000, 9998).optional().meta({ description: 'Only the days of this year.' }),
});
export type ListHolidayCalendarsQuery = z.infer<typeof ListHolidayCalendarsQuery>;

// ---- Balances ----

export const BalanceQuery = z.strictObject({
  asOf: CalendarDay.optional().meta({
    description: 'The leave year containing this day, as it will stand on it (default today).',
  }),
});
export const UserBalanceQuery = BalanceQuery.extend({ userId: Id });

export const LeaveBalanceLine = z
  .object({
    type: LeaveTypeRef,
    tracked: z
      .boolean()
      .meta({ description: 'false: the type keeps no balance (accrual none); only taken and pending count.' }),
    entitled: z.number().meta({ description: 'The year’s entitlement, pro-rata.' }),
    accrued: z.number().meta({ description: 'Credited by asOf.' }),
    carried: z.number(),
    carryExpiresOn: CalendarDay.nullable().meta({ description: 'The last day carried days can be used.' }),
    expired: z.number().meta({ description: 'Carried days lapsed by asOf.' }),
    adjusted: z.number(),
    taken: z.number(),
    pending: z.number(),
    available: z.number().meta({ description: 'accrued + carried − expired + adjusted − taken − pending.' }),
    allowNegative: z.number(),
  })
  .meta({ id: 'LeaveBalanceLine' });
export type LeaveBalanceLine = z.infer<typeof LeaveBalanceLine>;

export const LeaveBalancesView = z
  .object({ user: PersonRef, year: z.number().int(), asOf: CalendarDay, balances: z.array(LeaveBalanceLine) })
  .meta({ id: 'LeaveBalances' });
export type LeaveBalancesView = z.infer<typeof LeaveBalancesView>;

export const AdjustBalanceInput = z.strictObject({
  userId: Id,
  typeId: Id,
  year: z.number().int().min(1000).max(9998),
  days: z
    .number()
    .min(-10_000)
    .max(10_000)
    .multipleOf(0.01, { error: 'at most two decimals' })
    .refine((d) => d !== 0, 'must not be zero')
    .meta({ description: 'Added (or, negative, removed), in the type’s unit.' }),
  reason: z.string().trim().min(1).max(500),
});
export type AdjustBalanceInput = z.infer<typeof AdjustBalanceInput>;

// ---- Requests ----

export const LeaveStatus = z.enum(['pending', 'approved', 'rejected', 'cancelled']).meta({ id: 'LeaveStatus' });
export type LeaveStatus = z.infer<typeof LeaveStatus>;

const Reason = z.string().trim().min(1).max(2000);

const askFields = {
  typeId: Id,
  startDate: CalendarDay,
  endDate: CalendarDay,
  startHalf: HalfDay.nullable().optional().meta({ description: 'pm: the first day starts at noon.' }),
  endHalf: HalfDay.nullable().optional().meta({ description: 'am: the last day ends at noon.' }),
  reason: Reason.nullable().optional(),
  attachmentFileId: Id.nullable().optional().meta({ description: 'A supporting document uploaded through /files.' }),
};

export const CreateLeaveRequestInput = z.strictObject(askFields);
export type CreateLeaveRequestInput = z.infer<typeof CreateLeaveRequestInput>;

export const UpdateLeaveRequestInput = z.strictObject({
  id: Id,
  version: ExpectedVersion,
  typeId: Id.optional(),
  startDate: CalendarDay.optional(),
  endDate: CalendarDay.optional(),
  startHalf: askFields.startHalf,
  endHalf: askFields.endHalf,
  reason: askFields.reason,
  attachmentFileId: askFields.attachmentFileId,
});
export type UpdateLeaveRequestInput = z.infer<typeof UpdateLeaveRequestInput>;

export const LeaveDecisionInput = RequestDecisionInput;
export type LeaveDecisionInput = RequestDecisionInput;
export const LeaveRejectInput = RequestRejectInput;
export type LeaveRejectInput = RequestRejectInput;

export const LeaveRequestView = z
  .object({
    id: Id,
    user: PersonRef,
    type: LeaveTypeRef,
    startDate: CalendarDay,
    endDate: CalendarDay,
    startHalf: HalfDay.nullable(),
    endHalf: HalfDay.nullable(),
    amount: z.number().meta({ description: 'What the request takes, in the type’s unit.' }),
    year: z.number().int().meta({ description: 'The leave year it counts in.' }),
    reason: z.string().nullable(),
    attachmentFileId: Id.nullable(),
    status: LeaveStatus,
    workflowId: Id,
    approval: WorkflowSummaryView,
    decidedAt: Instant.nullable(),
    cancelledAt: Instant.nullable(),
    curtailedFrom: CalendarDay.nullable().meta({
      description: 'An approved leave HR cut short: the days from here on were given back.',
    }),
    version: z.number().int(),
    createdAt: Instant,
    updatedAt: Instant,
  })
  .meta({ id: 'LeaveRequest' });
export type LeaveRequestView = z.infer<typeof LeaveRequestView>;

export const CapacityImpactView = z
  .object({
    projects: z.array(
      z.object({
        project: z.object({ id: Id, name: z.string() }),
        allocationPercent: z.number().meta({ description: 'The highest allocation on the requested days.' }),
        start: CalendarDay.meta({ description: 'The first requested day the person is allocated.' }),
        end: CalendarDay,
        leads: z.array(PersonRef),
        teammatesOff: z.array(
          z.object({
            user: PersonRef,
            startDate: CalendarDay,
            endDate: CalendarDay,
            status: z.enum(['pending', 'approved']),
          }),
        ),
      }),
    ),
  })
  .meta({
    id: 'LeaveCapacityImpact',
    description:
      'The projects the person is allocated to on the requested days, their leads, and teammates already off.',
  });
export type CapacityImpactView = z.infer<typeof CapacityImpactView>;

export const LeaveRequestDetailView = LeaveRequestView.extend({
  days: z.array(z.object({ date: CalendarDay, amount: z.number() })).meta({ description: 'Each counted day.' }),
  workflow: WorkflowView.nullable(),
  impact: CapacityImpactView,
}).meta({ id: 'LeaveRequestDetail' });
export type LeaveRequestDetailView = z.infer<typeof LeaveRequestDetailView>;

export const ListLeaveRequestsQuery = PageQuery.extend({
  status: LeaveStatus.optional(),
  typeId: Id.optional(),
  userId: Id.optional(),
  from: CalendarDay.optional().meta({ description: 'Requests with a day on or after this day.' }),
  to: CalendarDay.optional().meta({ description: 'Requests with a day on or before this day.' }),
  sort: SortOf(['startDate', '-startDate', 'createdAt', '-createdAt'] as const).default('-startDate'),
});
export type ListLeaveRequestsQuery = z.infer<typeof ListLeaveRequestsQuery>;

export const LeaveApprovalsQuery = PageQuery.extend({});
export type LeaveApprovalsQuery = z.infer<typeof LeaveApprovalsQuery>;

export const LeaveApprovalItem = LeaveRequestView.extend({ impact: CapacityImpactView }).meta({ id: 'LeaveApproval' });
export type LeaveApprovalItem = z.infer<typeof LeaveApprovalItem>;

// ---- The integrated calendar ----

const rangeShape = { from: CalendarDay.optional(), to: CalendarDay.optional() };
const rangeOrdered = (v: { from?: string | undefined; to?: string | undefined }) => !v.from || !v.to || v.from <= v.to;
const rangeIssue = { message: 'to must not be before from', path: ['to'] };

export const EmployeeCalendarQuery = z.strictObject({ id: Id, ...rangeShape }).refine(rangeOrdered, rangeIssue);
export type EmployeeCalendarQuery = z.infer<typeof EmployeeCalendarQuery>;

export const CalendarEntry = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('holiday'), name: z.string(), halfDay: z.boolean() }),
    z.object({
      kind: z.literal('leave'),
      requestId: Id,
      type: LeaveTypeRef,
      status: z.enum(['pending', 'approved']),
      fraction: z.number().meta({ description: '1 or 0.5 of the day.' }),
    }),
    z.object({ kind: z.literal('away'), fraction: z.number() }).meta({
      description: 'Leave, as people other than the person, their managers and HR see it.',
    }),
    z.object({
      kind: z.literal('allocation'),
      project: z.object({ id: Id, name: z.string() }),
      percent: z.number(),
    }),
    z.object({ kind: z.literal('workLocation'), location: z.enum(['wfh', 'wfo', 'other']), source: z.string() }),
    z
      .object({
        kind: z.literal('attendance'),
        state: AttendanceState,
        workedMinutes: z
          .number()
          .int()
          .meta({ description: 'As the day counts: after approved corrections and deductions.' }),
        breakMinutes: z.number().int(),
        flags: z.array(DayFlag),
        corrected: z.boolean().meta({ description: 'An approved correction is in effect.' }),
      })
      .meta({ description: 'The day’s attendance (full detail only).' }),
  ])
  .meta({ id: 'CalendarEntry' });
export type CalendarEntry = z.infer<typeof CalendarEntry>;

export const CalendarDayView = z
  .object({
    date: CalendarDay,
    status: z.enum(['working', 'away', 'partlyAway', 'holiday', 'nonWorking']).meta({
      description:
        'working; away (a full day of leave); partlyAway (half); holiday; nonWorking (outside the working week).',
    }),
    entries: z.array(CalendarEntry),
  })
  .meta({ id: 'CalendarDay' });

export const EmployeeCalendarView = z
  .object({
    user: PersonRef,
    from: CalendarDay,
    to: CalendarDay,
    detail: z.enum(['full', 'limited']).meta({
      description: 'full for the person, their managers and HR; limited (away/working only) for everyone else.',
    }),
    days: z.array(CalendarDayView),
  })
  .meta({ id: 'EmployeeCalendar' });
export type EmployeeCalendarView = z.infer<typeof EmployeeCalendarView>;

// ---- Report ----

export const LeaveReportQuery = z
  .strictObject({
    ...rangeShape,
    department: z.string().trim().min(1).max(100).optional(),
    typeId: Id.optional(),
    format: z.enum(['json', 'csv']).default('json'),
  })
  .refine(rangeOrdered, rangeIssue);
export type LeaveReportQuery = z.infer<typeof LeaveReportQuery>;

const ReportAmounts = {
  taken: z.number().meta({ description: 'Approved, in the leave year of `to`.' }),
  pending: z.number(),
  daysOff: z.number().meta({ description: 'Approved leave on days within the range.' }),
};

export const LeaveReportView = z
  .object({
    from: CalendarDay,
    to: CalendarDay,
    generatedAt: Instant,
    people: z.array(
      z.object({
        employee: PersonRef,
        department: z.string().nullable(),
        types: z.array(z.object({ typeId: Id, code: z.string(), ...ReportAmounts, balance: z.number().nullable() })),
        daysOff: z.number(),
      }),
    ),
    byType: z.array(z.object({ type: LeaveTypeRef, ...ReportAmounts })),
    byDepartment: z.array(z.object({ department: z.string().nullable(), ...ReportAmounts })),
  })
  .meta({ id: 'LeaveReport' });
export type LeaveReportView = z.infer<typeof LeaveReportView>;
