import { z } from 'zod';
import { Id, Instant, listOf } from '../common/common.schemas.js';
import { singleLine } from '../common/text.js';

/** A legal hold as stored (packages/db maps it): one per person at most. */
export interface LegalHoldRecord {
  id: string;
  userId: string;
  reason: string;
  reference: string | null;
  placedBy: string;
  placedAt: Date;
}

export const PlaceLegalHoldInput = z.strictObject({
  userId: Id,
  reason: z.string().trim().min(1).max(1000).meta({
    description: 'Why the person’s data must be kept (free text, kept with the hold, not in the audit trail).',
  }),
  reference: singleLine(z.string().trim().min(1).max(100))
    .nullable()
    .optional()
    .meta({ description: 'A case or matter number; shown when an erasure is refused.' }),
});
export type PlaceLegalHoldInput = z.infer<typeof PlaceLegalHoldInput>;

export const LegalHoldParams = z.strictObject({ userId: Id });

const PersonRef = z.object({ id: Id, name: z.string() });

export const LegalHoldView = z
  .object({
    id: Id,
    userId: Id,
    user: PersonRef,
    reason: z.string(),
    reference: z.string().nullable(),
    placedBy: PersonRef,
    placedAt: Instant,
  })
  .meta({ id: 'LegalHold' });
export type LegalHoldView = z.infer<typeof LegalHoldView>;

export const LegalHoldListView = listOf(LegalHoldView).meta({ id: 'LegalHoldList' });
export type LegalHoldListView = z.infer<typeof LegalHoldListView>;
