import { z } from 'zod';
import { WorkflowSummaryView } from '../approvals/approval.schemas.js';
import { Id, Instant, PageQuery } from '../common/common.schemas.js';
import { PersonRef } from '../employees/employee.schemas.js';

/**
 * An erasure request's life: pending (its workflow: HR, then an Admin) →
 * approved (carried out by the erasure job) → completed; or rejected, or
 * cancelled by the person or whoever asked. An approved request waits while
 * the person is under legal hold (`blockedBy`), and is carried out once the
 * hold is released.
 */
export const ERASURE_STATUSES = ['pending', 'approved', 'rejected', 'cancelled', 'completed'] as const;
export const ErasureStatus = z.enum(ERASURE_STATUSES).meta({ id: 'ErasureStatus' });
export type ErasureStatus = z.infer<typeof ErasureStatus>;

/**
 * Who the person was, noted on the request before the first step changes
 * anything (the account becomes a pseudonym in step two), so a run that
 * starts again after a crash still finds their name and address in others'
 * free text and in the outbox. Removed when the request completes.
 */
export interface ErasureIdentity {
  names: string[];
  email: string | null;
  /** Whether the account was active: the erasure then announces it as archived. */
  wasActive: boolean;
}

/** An erasure request as stored (packages/db maps it). */
export interface ErasureRequestRecord {
  id: string;
  userId: string;
  requestedBy: string;
  /** Removed when the erasure is carried out (free text about the person). */
  reason: string | null;
  status: ErasureStatus;
  workflowId: string;
  approverIds: string[];
  decidedAt: Date | null;
  completedAt: Date | null;
  /** Why an approved request is not carried out yet (a legal hold), or null. */
  blockedBy: { code: string; message: string; at: Date } | null;
  /** What the erasure changed, per collection, once completed. */
  counts: Record<string, number> | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export const ErasureRequestView = z
  .object({
    id: Id,
    user: PersonRef.meta({ description: 'The person to erase (their pseudonym once completed).' }),
    requestedBy: PersonRef,
    reason: z.string().nullable().meta({ description: 'Removed (null) once the erasure is carried out.' }),
    status: ErasureStatus,
    workflowId: Id,
    approval: WorkflowSummaryView,
    decidedAt: Instant.nullable(),
    completedAt: Instant.nullable(),
    blockedBy: z
      .object({ code: z.string(), message: z.string(), at: Instant })
      .nullable()
      .meta({ description: 'Why an approved erasure waits (LEGAL_HOLD_ACTIVE); null when nothing stops it.' }),
    counts: z
      .record(z.string(), z.number().int())
      .nullable()
      .meta({ description: 'Records changed or removed per collection (and stored files), once completed.' }),
    version: z.number().int(),
    createdAt: Instant,
    updatedAt: Instant,
  })
  .meta({ id: 'ErasureRequest' });
export type ErasureRequestView = z.infer<typeof ErasureRequestView>;

export const CreateErasureRequestInput = z
  .strictObject({
    userId: Id.meta({ description: 'Whose data: your own, or (HR) anyone’s.' }),
    reason: z
      .string()
      .trim()
      .min(1)
      .max(2000)
      .meta({ description: 'Why; shown to the approvers, removed once carried out.' }),
  })
  .meta({ id: 'CreateErasureRequestInput' });
export type CreateErasureRequestInput = z.infer<typeof CreateErasureRequestInput>;

export const ListErasureRequestsQuery = PageQuery.extend({
  status: ErasureStatus.optional(),
  userId: Id.optional(),
})
  .strict()
  .meta({ id: 'ListErasureRequestsQuery' });
export type ListErasureRequestsQuery = z.infer<typeof ListErasureRequestsQuery>;

export const ErasureRequestIdInput = z.strictObject({ id: Id });
export type ErasureRequestIdInput = z.infer<typeof ErasureRequestIdInput>;
