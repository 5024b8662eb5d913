import {
  type CreateHolidayCalendarInput,
  CreateLeaveTypeInput,
  DomainError,
  fromHundredths,
  type HolidayCalendarRecord,
  type HolidayCalendarView,
  type LeaveTypeRecord,
  type LeaveTypeView,
  type List,
  type ListHolidayCalendarsQuery,
  type ListLeaveTypesQuery,
  notFound,
  type UpdateHolidayCalendarInput,
  type UpdateLeaveTypeInput,
  validationFailed,
} from '@seed-pms/domain';
import { assertCan } from '../access/ability.js';
import type { ActorContext } from '../app/call-context.js';
import type { ServiceDeps } from '../app/deps.js';
import type { AuditService } from '../audit/audit.service.js';

/** The types every organisation starts with (inserted when there are none); the rest of each type is the input's defaults. */
export const DEFAULT_LEAVE_TYPES: CreateLeaveTypeInput[] = [
  {
    name: 'Annual leave',
    code: 'ANNUAL',
    colour: '#2f80ed',
    accrual: 'monthly',
    yearlyEntitlement: 25,
    carryForwardCap: 5,
    carryForwardExpiryMonths: 3,
  },
  { name: 'Sick leave', code: 'SICK', colour: '#eb5757', maxPastDays: 30, documentRequiredAfterDays: 3 },
  { name: 'Unpaid leave', code: 'UNPAID', colour: '#828282', paid: false },
].map((fields) => CreateLeaveTypeInput.parse(fields));

/** How long another instance's change of a type may take to be seen here. */
const TYPES_CACHE_MS = 5_000;

const AMOUNTS = ['yearlyEntitlement', 'carryForwardCap', 'allowNegative', 'documentRequiredAfterDays'] as const;

export function leaveTypeView(t: LeaveTypeRecord): LeaveTypeView {
  const amounts = Object.fromEntries(AMOUNTS.map((k) => [k, t[k] === null ? null : fromHundredths(t[k] as number)]));
  return {
    ...t,
    ...amounts,
    allowNegative: fromHundredths(t.allowNegative),
    createdAt: t.createdAt.toISOString(),
    updatedAt: t.updatedAt.toISOString(),
  } as LeaveTypeView;
}

export function calendarView(c: HolidayCalendarRecord, year?: number): HolidayCalendarView {
  const days = year === undefined ? c.days : c.days.filter((d) => d.date.startsWith(`${year}-`));
  return { ...c, days, createdAt: c.createdAt.toISOString(), updatedAt: c.updatedAt.toISOString() };
}

export interface LeaveSetupService {
  types(ctx: ActorContext, query: ListLeaveTypesQuery): Promise<List<LeaveTypeView>>;
  createType(ctx: ActorContext, input: CreateLeaveTypeInput): Promise<LeaveTypeView>;
  updateType(ctx: ActorContext, input: UpdateLeaveTypeInput): Promise<LeaveTypeView>;
  calendars(ctx: ActorContext, query: ListHolidayCalendarsQuery): Promise<List<HolidayCalendarView>>;
  createCalendar(ctx: ActorContext, input: CreateHolidayCalendarInput): Promise<HolidayCalendarView>;
  updateCalendar(ctx: ActorContext, input: UpdateHolidayCalendarInput): Promise<HolidayCalendarView>;
  deleteCalendar(ctx: ActorContext, input: { id: string; version?: number | undefined }): Promise<HolidayCalendarView>;
}

export interface LeaveSetupInternals extends LeaveSetupService {
  /** Every type (the default ones inserted first when there are none). */
  allTypes(now: Date): Promise<LeaveTypeRecord[]>;
  type(id: string, now: Date): Promise<LeaveTypeRecord | null>;
}

/** Leave types and holiday calendars (admin). */
export function createLeaveSetupService(
  deps: Pick<ServiceDeps, 'repos'>,
  services: { audit: AuditService },
): LeaveSetupInternals {
  const { leaveTypes, holidayCalendars, leaveRequests } = deps.repos;
  const { audit } = services;
  let defaultsChecked = false;
  /** Types change rarely and every request reads them: kept a few seconds (this process's own changes at once). */
  let cached: { at: number; types: Promise<LeaveTypeRecord[]> } | null = null;
  const forget = () => {
    cached = null;
  };

  async function allTypes(now: Date) {
    if (cached && Date.now() - cached.at < TYPES_CACHE_MS) return cached.types;
    const types = readTypes(now);
    cached = { at: Date.now(), types };
    types.catch(forget);
    return types;
  }

  async function readTypes(now: Date) {
    if (!defaultsChecked) {
      if ((await leaveTypes.count()) === 0) {
        for (const fields of DEFAULT_LEAVE_TYPES) {
          // Another process may insert them at the same moment: a taken name is theirs.
          await leaveTypes.insert(fields, now).catch(() => undefined);
        }
      }
      defaultsChecked = true;
    }
    return leaveTypes.list(true);
  }

  return {
    allTypes,
    async type(id, now) {
      return (await allTypes(now)).find((t) => t.id === id) ?? null;
    },

    async types(ctx, query) {
      const all = await allTypes(ctx.now);
      return { items: all.filter((t) => query.includeArchived || !t.archived).map(leaveTypeView) };
    },

    async createType(ctx, input) {
      assertCan(ctx.actor, 'create', 'LeaveType', {});
      await allTypes(ctx.now);
      const created = await leaveTypes.insert(input, ctx.now);
      forget();
      await audit.record(ctx, {
        action: 'leave.type.create',
        resourceType: 'leave_type',
        resourceId: created.id,
        after: input,
      });
      return leaveTypeView(created);
    },

    async updateType(ctx, input) {
      assertCan(ctx.actor, 'update', 'LeaveType', {});
      const { id, version, ...changes } = input;
      const before = await leaveTypes.get(id);
      if (!before) throw notFound('Leave type', id);
      const entitlement =
        changes.yearlyEntitlement === undefined ? before.yearlyEntitlement : changes.yearlyEntitlement;
      if ((changes.accrual ?? before.accrual) !== 'none' && entitlement === null) {
        throw validationFailed('An accruing type needs a yearly entitlement', [
          { path: 'yearlyEntitlement', message: 'an accruing type needs a yearly entitlement', code: 'required' },
        ]);
      }
      if (changes.unit !== undefined && changes.unit !== before.unit && (await leaveRequests.anyOfType(id))) {
        throw new DomainError('IN_USE', 'Requests count in this type’s unit; add a new type instead', {
          field: 'unit',
          unit: before.unit,
        });
      }
      const after = await leaveTypes.update(id, version, changes, ctx.now);
      forget();
      await audit.record(ctx, {
        action: 'leave.type.update',
        resourceType: 'leave_type',
        resourceId: id,
        before: leaveTypeView(before),
        after: leaveTypeView(after),
      });
      return leaveTypeView(after);
    },

    async calendars(_ctx, query) {
      return { items: (await holidayCalendars.list()).map((c) => calendarView(c, query.year)) };
    },

    async createCalendar(ctx, input) {
      assertCan(ctx.actor, 'create', 'HolidayCalendar', {});
      const first = (await holidayCalendars.list()).length === 0;
      const created = await holidayCalendars.insert({ ...input, isDefault: input.isDefault || first }, ctx.now);
      if (created.isDefault) await holidayCalendars.clearDefaultExcept(created.id, ctx.now);
      await audit.record(ctx, {
        action: 'holiday-calendar.create',
        resourceType: 'holiday_calendar',
        resourceId: created.id,
        after: { ...input, isDefault: created.isDefault },
      });
      return calendarView(created);
    },

    async updateCalendar(ctx, input) {
      assertCan(ctx.actor, 'update', 'HolidayCalendar', {});
      const { id, version, ...changes } = input;
      const before = await holidayCalendars.get(id);
      if (!before) throw notFound('Holiday calendar', id);
      const after = await holidayCalendars.update(id, version, changes, ctx.now);
      if (changes.isDefault) await holidayCalendars.clearDefaultExcept(id, ctx.now);
      await audit.record(ctx, {
        action: 'holiday-calendar.update',
        resourceType: 'holiday_calendar',
        resourceId: id,
        before: {
          name: before.name,
          isDefault: before.isDefault,
          locations: before.locations,
          days: before.days.length,
        },
        after: { name: after.name, isDefault: after.isDefault, locations: after.locations, days: after.days.length },
      });
      return calendarView(after);
    },

    async deleteCalendar(ctx, input) {
      assertCan(ctx.actor, 'delete', 'HolidayCalendar', {});
      const before = await holidayCalendars.get(input.id);
      if (!before) throw notFound('Holiday calendar', input.id);
      await holidayCalendars.remove(input.id, input.version ?? null);
      await audit.record(ctx, {
        action: 'holiday-calendar.delete',
        resourceType: 'holiday_calendar',
        resourceId: input.id,
        before: { name: before.name, locations: before.locations, days: before.days.length },
      });
      return calendarView(before);
    },
  };
}
