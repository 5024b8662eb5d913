import type { ApprovalLinkRecord } from '@seed-pms/domain';
import type { Collection } from 'mongodb';
import { newId, oid } from '../ids.js';
import type { ApprovalLinkDoc } from './approval.doc.js';
import { toLinkRecord } from './approval.mapper.js';

export type NewApprovalLink = Omit<ApprovalLinkRecord, 'id' | 'usedAt' | 'createdAt'>;

/** One-click decision links; tokens are never stored, only their hashes. */
export interface ApprovalLinkRepository {
  insertMany(links: readonly NewApprovalLink[], now: Date): Promise<void>;
  byHash(tokenHash: string): Promise<ApprovalLinkRecord | null>;
  /** Marks it used, once: false when it was used already (a second click, a race). */
  claim(id: string, now: Date): Promise<boolean>;
  /** Gives back a claim whose decision failed for a reason that is not the link's (a crash, a conflict). */
  release(id: string): Promise<void>;
  /** Deletes links expired before `before`; returns how many. */
  purgeExpired(before: Date): Promise<number>;
}

export function createApprovalLinkRepository(links: Collection<ApprovalLinkDoc>): ApprovalLinkRepository {
  return {
    async insertMany(list, now) {
      if (list.length === 0) return;
      await links.insertMany(
        list.map((link) => ({
          _id: newId(),
          tokenHash: link.tokenHash,
          workflowId: oid(link.workflowId),
          approverId: oid(link.approverId),
          actingFor: link.actingFor === null ? null : oid(link.actingFor),
          decision: link.decision,
          round: link.round,
          stage: link.stage,
          workflowVersion: link.workflowVersion,
          expiresAt: link.expiresAt,
          usedAt: null,
          createdAt: now,
        })),
      );
    },
    async byHash(tokenHash) {
      const doc = await links.findOne({ tokenHash });
      return doc ? toLinkRecord(doc) : null;
    },
    async claim(id, now) {
      const result = await links.updateOne({ _id: oid(id), usedAt: null }, { $set: { usedAt: now } });
      return result.modifiedCount === 1;
    },
    async release(id) {
      await links.updateOne({ _id: oid(id) }, { $set: { usedAt: null } });
    },
    async purgeExpired(before) {
      return (await links.deleteMany({ expiresAt: { $lt: before } })).deletedCount;
    },
  };
}
