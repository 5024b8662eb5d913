import {
  type ApprovalKind,
  type ApprovalPolicyRecord,
  defaultPolicy,
  type PolicyMode,
  type PolicyStage,
  versionConflict,
} from '@seed-pms/domain';
import type { Collection } from 'mongodb';
import { isDuplicateKey } from '../errors.js';
import { oid } from '../ids.js';
import { initialVersion, updateVersioned } from '../versioning.js';
import type { ApprovalPolicyDoc } from './approval.doc.js';
import { toPolicyRecord } from './approval.mapper.js';

/**
 * Approval policies, one per kind: the simple defaults at version 0 until
 * first changed; every change is one write conditional on the version read.
 */
export interface ApprovalPolicyRepository {
  get(kind: ApprovalKind): Promise<ApprovalPolicyRecord>;
  put(
    kind: ApprovalKind,
    expectedVersion: number,
    policy: { mode: PolicyMode; stages: PolicyStage[] },
    by: string,
    now: Date,
  ): Promise<ApprovalPolicyRecord>;
}

export function createApprovalPolicyRepository(policies: Collection<ApprovalPolicyDoc>): ApprovalPolicyRepository {
  return {
    async get(kind) {
      const doc = await policies.findOne({ _id: kind });
      return doc ? toPolicyRecord(doc) : defaultPolicy(kind);
    },
    async put(kind, expectedVersion, policy, by, now) {
      const fields = { mode: policy.mode, stages: policy.stages, updatedBy: oid(by) };
      if (expectedVersion === 0) {
        try {
          const doc: ApprovalPolicyDoc = { _id: kind, ...fields, ...initialVersion(now) };
          await policies.insertOne(doc);
          return toPolicyRecord(doc);
        } catch (error) {
          if (!isDuplicateKey(error)) throw error;
          const current = await policies.findOne({ _id: kind });
          throw versionConflict('ApprovalPolicy', kind, 0, current?.version ?? 1);
        }
      }
      return toPolicyRecord(
        await updateVersioned(policies, kind, expectedVersion, { $set: fields }, { resource: 'ApprovalPolicy', now }),
      );
    },
  };
}
