import type {
  AttendanceState,
  CorrectionStatus,
  DayFlag,
  PunchRecord,
  PunchType,
  WorkLocationType,
} from '@seed-pms/domain';
import type { ObjectId } from 'mongodb';
import type { EngineRequestDoc } from '../approvals/request-kind.js';
import { defineCollection } from '../collections.js';

/** A punch is stored as its record (no ids in it). */
export type PunchDoc = PunchRecord;

export interface OverlayDoc {
  correctionId: ObjectId;
  punches: { type: PunchType; at: Date }[];
  approvedAt: Date;
  approvedBy: ObjectId[];
}

/** One person's day (spec: attendance_records): punches as punched, approved corrections laid over them. */
export interface AttendanceRecordDoc {
  _id: ObjectId;
  userId: ObjectId;
  /** YYYY-MM-DD in the organisation's timezone: the day of the first punch. */
  date: string;
  punches: PunchDoc[];
  /** The state of the day as it counts (punches, then corrections): what the automatic check-out and today's view look for. */
  state: AttendanceState;
  overlays: OverlayDoc[];
  workLocation: WorkLocationType | null;
  flags: DayFlag[];
  deductedMinutes: number;
  /** When the retention policy removed the punches' IP, user agent, location and note (absent until then). */
  factsRemovedAt?: Date;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export const attendanceRecordsCollection = defineCollection<AttendanceRecordDoc>('attendance_records', [
  { name: 'user_date_unique', key: { userId: 1, date: 1 }, unique: true },
  { name: 'date_user', key: { date: 1, userId: 1 } },
  { name: 'state_date', key: { state: 1, date: 1 } },
]);

/**
 * A correction request (spec: time_change_requests). `startDate` and `endDate`
 * both hold the corrected day, so lists of requests about days treat it like
 * the other kinds.
 */
export interface TimeChangeRequestDoc extends EngineRequestDoc {
  startDate: string;
  endDate: string;
  punches: { type: PunchType; at: Date }[];
  reason: string;
  status: CorrectionStatus;
  workflowId: ObjectId;
  decidedAt: Date | null;
}

export const timeChangeRequestsCollection = defineCollection<TimeChangeRequestDoc>('time_change_requests', [
  { name: 'user_start', key: { userId: 1, startDate: 1 } },
  { name: 'approvers', key: { approverIds: 1 } },
  { name: 'status_start', key: { status: 1, startDate: 1 } },
]);

/** A locked month (YYYY-MM as `_id`). */
export interface AttendanceLockDoc {
  _id: string;
  lockedAt: Date;
  lockedBy: ObjectId;
}

export const attendanceLocksCollection = defineCollection<AttendanceLockDoc>('attendance_locks', []);
