import type { ObjectId } from 'mongodb';
import { defineCollection } from '../collections.js';

/** A legal hold on one person's data (legal_holds): at most one per person (unique `userId`). */
export interface LegalHoldDoc {
  _id: ObjectId;
  userId: ObjectId;
  reason: string;
  reference: string | null;
  placedBy: ObjectId;
  placedAt: Date;
}

export const legalHoldsCollection = defineCollection<LegalHoldDoc>('legal_holds', [
  { name: 'user_unique', key: { userId: 1 }, unique: true },
]);
