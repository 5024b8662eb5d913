import type { ConsentPurpose } from '@seed-pms/domain';
import type { ObjectId } from 'mongodb';
import { defineCollection } from '../collections.js';

/**
 * A person's current choice for one purpose (consents). `_id` is
 * `<userId>:<purpose>`, so there is one per person and purpose whatever races,
 * and every change is a write by `_id` conditional on `version`.
 */
export interface ConsentDoc {
  _id: string;
  userId: ObjectId;
  purpose: ConsentPurpose;
  granted: boolean;
  textVersion: string;
  changedAt: Date;
  version: number;
}

export const consentsCollection = defineCollection<ConsentDoc>('consents', [
  { name: 'user_purpose', key: { userId: 1, purpose: 1 } },
]);

/** Every change of a choice, append-only (consent_history): the proof of what was consented to, when. */
export interface ConsentHistoryDoc {
  _id: ObjectId;
  userId: ObjectId;
  purpose: ConsentPurpose;
  granted: boolean;
  textVersion: string;
  at: Date;
  ip: string | null;
  userAgent: string | null;
}

export const consentHistoryCollection = defineCollection<ConsentHistoryDoc>('consent_history', [
  { name: 'user_at', key: { userId: 1, at: -1 } },
]);
