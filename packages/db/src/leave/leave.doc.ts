import type {
  BalanceTotals,
  HalfDay,
  HolidayCalendarRecord,
  LeaveStatus,
  LeaveTypeRecord,
  LedgerKind,
} from '@seed-pms/domain';
import type { ObjectId } from 'mongodb';
import { defineCollection } from '../collections.js';

/** One counted day of a leave and its amount (FerretDB stores no arrays inside arrays, so not as a pair). */
export interface StoredDay {
  date: string;
  amount: number;
}

export const storedDays = (days: readonly (readonly [string, number])[]): StoredDay[] =>
  days.map(([date, amount]) => ({ date, amount }));
export const dayPairs = (days: readonly StoredDay[]): [string, number][] => days.map((d) => [d.date, d.amount]);

/** A leave type (`leave_types`) as its record holds it (amounts in hundredths of its unit); `nameKey` (lower case) is what names are unique on. */
export type LeaveTypeDoc = Omit<LeaveTypeRecord, 'id'> & { _id: ObjectId; nameKey: string };

export const leaveTypesCollection = defineCollection<LeaveTypeDoc>('leave_types', [
  { name: 'nameKey_unique', key: { nameKey: 1 }, unique: true },
  { name: 'code_unique', key: { code: 1 }, unique: true },
]);

/** A holiday calendar (spec: organizational_settings holidays), with its days. */
export type HolidayCalendarDoc = Omit<HolidayCalendarRecord, 'id'> & { _id: ObjectId };

export const holidayCalendarsCollection = defineCollection<HolidayCalendarDoc>('holiday_calendars', [
  { name: 'isDefault', key: { isDefault: 1 } },
]);

/** One change of a balance (`leave_ledger`): written once, never changed; `key` makes it post once. */
export interface LedgerEntryDoc {
  _id: ObjectId;
  userId: ObjectId;
  typeId: ObjectId;
  year: number;
  key: string;
  kind: LedgerKind;
  amount: number;
  effectiveDate: string;
  days: StoredDay[] | null;
  /** Set by a carry-in: the last day carried days can be used. */
  carryExpiresOn: string | null;
  requestId: ObjectId | null;
  reason: string | null;
  by: ObjectId | null;
  createdAt: Date;
}

export const leaveLedgerCollection = defineCollection<LedgerEntryDoc>('leave_ledger', [
  { name: 'user_type_key_unique', key: { userId: 1, typeId: 1, key: 1 }, unique: true },
  { name: 'user_type_year', key: { userId: 1, typeId: 1, year: 1 } },
  { name: 'year_kind', key: { year: 1, kind: 1 } },
]);

/** The projection of one person's ledger for a type and leave year (`leave_balances`). */
export interface BalanceDoc extends BalanceTotals {
  _id: ObjectId;
  userId: ObjectId;
  typeId: ObjectId;
  year: number;
  /** accrued + carried − expired + adjusted − taken − pending, kept with them: what a hold's write is conditional on. */
  available: number;
  carryExpiresOn: string | null;
  /** The entries in these totals: an entry is added once, whoever retries. */
  appliedIds: ObjectId[];
  version: number;
  updatedAt: Date;
}

export const leaveBalancesCollection = defineCollection<BalanceDoc>('leave_balances', [
  { name: 'user_type_year_unique', key: { userId: 1, typeId: 1, year: 1 }, unique: true },
  { name: 'year', key: { year: 1 } },
]);

/** A leave request (spec: leave_requests). Days are YYYY-MM-DD in the organisation's timezone. */
export interface LeaveRequestDoc {
  _id: ObjectId;
  userId: ObjectId;
  typeId: ObjectId;
  startDate: string;
  endDate: string;
  startHalf: HalfDay | null;
  endHalf: HalfDay | null;
  amount: number;
  days: StoredDay[];
  hoursPerDay: number;
  holdKey: string;
  year: number;
  reason: string | null;
  attachmentFileId: ObjectId | null;
  status: LeaveStatus;
  workflowId: ObjectId;
  /** Everyone the workflow asked: they may read the request (the list's access rule). */
  approverIds: ObjectId[];
  decidedAt: Date | null;
  cancelledAt: Date | null;
  curtailedFrom: string | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export const leaveRequestsCollection = defineCollection<LeaveRequestDoc>('leave_requests', [
  { name: 'user_start', key: { userId: 1, startDate: 1 } },
  { name: 'approvers', key: { approverIds: 1 } },
  { name: 'status_start', key: { status: 1, startDate: 1 } },
  { name: 'year_status', key: { year: 1, status: 1 } },
]);
