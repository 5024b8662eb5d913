import type { WorkLocationStatus, WorkLocationType } from '@seed-pms/domain';
import type { ObjectId } from 'mongodb';
import { defineCollection } from '../collections.js';

/** A WFH/WFO/other request (spec: work_location_requests). Days are YYYY-MM-DD in the organisation's timezone. */
export interface WorkLocationRequestDoc {
  _id: ObjectId;
  userId: ObjectId;
  type: WorkLocationType;
  startDate: string;
  endDate: string;
  note: string | null;
  status: WorkLocationStatus;
  workflowId: ObjectId;
  /** Everyone the workflow asked: they may read the request (the list's access rule). */
  approverIds: ObjectId[];
  decidedAt: Date | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export const workLocationRequestsCollection = defineCollection<WorkLocationRequestDoc>('work_location_requests', [
  { name: 'user_start', key: { userId: 1, startDate: 1 } },
  { name: 'approvers', key: { approverIds: 1 } },
  { name: 'status_start', key: { status: 1, startDate: 1 } },
]);
