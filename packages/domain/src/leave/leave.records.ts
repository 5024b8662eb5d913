import type { BalanceTotals, LedgerKind } from './leave.ledger.js';
import type { AccrualRule, HalfDay, LeaveStatus, LeaveUnit } from './leave.schemas.js';

/** A leave type (`leave_types`); amounts in hundredths of its unit. */
export interface LeaveTypeRecord {
  id: string;
  name: string;
  code: string;
  colour: string;
  paid: boolean;
  unit: LeaveUnit;
  accrual: AccrualRule;
  yearlyEntitlement: number | null;
  carryForwardCap: number | null;
  carryForwardExpiryMonths: number | null;
  allowNegative: number;
  maxConsecutiveDays: number | null;
  minNoticeDays: number;
  maxPastDays: number;
  documentRequiredAfterDays: number | null;
  countWeekends: boolean;
  countHolidays: boolean;
  minServiceDays: number;
  archived: boolean;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface HolidayCalendarRecord {
  id: string;
  name: string;
  isDefault: boolean;
  locations: string[];
  days: { date: string; name: string; halfDay: boolean }[];
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

/** One entry of `leave_ledger`: never changed once written. */
export interface LedgerEntryRecord {
  id: string;
  /** Makes an entry post once: `accrual:<period>`, `hold:<requestId>:<version>`, … (unique per person and type). */
  key: string;
  userId: string;
  typeId: string;
  year: number;
  kind: LedgerKind;
  amount: number;
  effectiveDate: string;
  days: [string, number][] | null;
  requestId: string | null;
  reason: string | null;
  by: string | null;
  createdAt: Date;
}

/** `leave_balances`: the projection of a person's ledger for one type and leave year. */
export interface BalanceRecord extends BalanceTotals {
  userId: string;
  typeId: string;
  year: number;
  /** The last day carried days can be used (set with the carry-in). */
  carryExpiresOn: string | null;
  version: number;
  updatedAt: Date;
}

export interface LeaveRequestRecord {
  id: string;
  userId: string;
  typeId: string;
  startDate: string;
  endDate: string;
  startHalf: HalfDay | null;
  endHalf: HalfDay | null;
  /** Hundredths of the type's unit, and what each day counts. */
  amount: number;
  days: [string, number][];
  /** The working day's hours the request was counted with (hour types). */
  hoursPerDay: number;
  /** The key of the ledger hold of these days (a new one for each edit attempt); its release is `release:<holdKey>`. */
  holdKey: string;
  year: number;
  reason: string | null;
  attachmentFileId: string | null;
  status: LeaveStatus;
  workflowId: string;
  decidedAt: Date | null;
  cancelledAt: Date | null;
  curtailedFrom: string | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}
