import type { ObjectId } from 'mongodb';
import { defineCollection } from '../collections.js';

/**
 * A person's own data key (data_keys), `_id` their user id: 32 random bytes,
 * stored wrapped (sealed under DATA_ENCRYPTION_KEY). It seals the personal
 * parts of the audit entries about them and of those they wrote; erasure
 * deletes it, which makes those parts unreadable for good (crypto-shredding)
 * while the entries stay in the chain.
 */
export interface DataKeyDoc {
  _id: ObjectId;
  wrapped: string;
  createdAt: Date;
}

export const dataKeysCollection = defineCollection<DataKeyDoc>('data_keys', []);
