import type { WorkLocationStatus, WorkLocationType } from './work-location.schemas.js';

/** A work-location request as use cases see it (`work_location_requests`). */
export interface WorkLocationRequestRecord {
  id: string;
  userId: string;
  type: WorkLocationType;
  startDate: string;
  endDate: string;
  note: string | null;
  status: WorkLocationStatus;
  workflowId: string;
  decidedAt: Date | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}
