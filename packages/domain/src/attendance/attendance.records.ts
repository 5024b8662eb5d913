import type { WorkLocationType } from '../approvals/approval.schemas.js';
import type { CorrectionStatus, DayFlag, GeoPoint, PunchType } from './attendance.schemas.js';

/** A punch as stored: a fact, never changed once written. */
export interface PunchRecord {
  type: PunchType;
  at: Date;
  /** auto: the automatic check-out ended the day; nobody punched. */
  source: 'punch' | 'auto';
  ip: string | null;
  userAgent: string | null;
  location: GeoPoint | null;
  note: string | null;
  /** What the location policy found about this punch. */
  flags: DayFlag[];
}

/** The punches of a correction: the day as it should read. */
export interface CorrectedPunchRecord {
  type: PunchType;
  at: Date;
}

/** An approved correction laid over the day's punches (which stay as punched). */
export interface OverlayRecord {
  correctionId: string;
  punches: CorrectedPunchRecord[];
  approvedAt: Date;
  approvedBy: string[];
}

/** One person's day (`attendance_records`), keyed by person and calendar day in the organisation's timezone. */
export interface AttendanceRecord {
  id: string;
  userId: string;
  date: string;
  punches: PunchRecord[];
  overlays: OverlayRecord[];
  /** Where the person was to work that day, as it stood at the first punch. */
  workLocation: WorkLocationType | null;
  /** Flags settled when the day closed (and location flags as punches come in). */
  flags: DayFlag[];
  /** Minutes deducted for a missing break, settled when the day closed (deduct mode). */
  deductedMinutes: number;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

/** A correction request (`time_change_requests`). */
export interface CorrectionRecord {
  id: string;
  userId: string;
  date: string;
  punches: CorrectedPunchRecord[];
  reason: string;
  status: CorrectionStatus;
  workflowId: string;
  decidedAt: Date | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

/** A locked month: no correction or automatic deduction changes its days. */
export interface AttendanceLockRecord {
  month: string;
  lockedAt: Date;
  lockedBy: string;
}
