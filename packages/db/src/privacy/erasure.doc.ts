import type { ErasureIdentity, ErasureStatus } from '@seed-pms/domain';
import type { ObjectId } from 'mongodb';
import { defineCollection } from '../collections.js';

/**
 * An erasure request (erasure_requests). `activeKey` is the person's id while
 * the request is pending or approved and the request's own id afterwards: its
 * unique index keeps one open request per person, whatever races.
 */
export interface ErasureRequestDoc {
  _id: ObjectId;
  userId: ObjectId;
  activeKey: string;
  requestedBy: ObjectId;
  reason: string | null;
  status: ErasureStatus;
  workflowId: ObjectId;
  approverIds: ObjectId[];
  decidedAt: Date | null;
  completedAt: Date | null;
  blockedBy: { code: string; message: string; at: Date } | null;
  /** Who the person was, from the first run until completion (absent or null otherwise). */
  identity?: ErasureIdentity | null;
  /** `[{ name, count }]` (collection names hold no dots, but stay values, not keys). */
  counts: { name: string; count: number }[] | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export const erasureRequestsCollection = defineCollection<ErasureRequestDoc>('erasure_requests', [
  { name: 'activeKey_unique', key: { activeKey: 1 }, unique: true },
  { name: 'status_createdAt', key: { status: 1, createdAt: -1 } },
  { name: 'userId_createdAt', key: { userId: 1, createdAt: -1 } },
]);
