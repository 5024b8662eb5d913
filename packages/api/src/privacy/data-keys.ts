import { randomBytes } from 'node:crypto';
import type { DataKeyRepository } from '@seed-pms/db';
import { createSecretBox, type SecretBox } from '../auth/secrets.js';

/** How long an unwrapped key is kept in memory; another instance sees an erasure within this. */
const CACHE_MS = 60_000;
const CACHE_MAX = 10_000;
const USER_ID = /^[0-9a-f]{24}$/;

/**
 * Each person's own data key (crypto-shredding): 32 random bytes, stored
 * wrapped under DATA_ENCRYPTION_KEY, unwrapped here and kept for a minute.
 * What is sealed under it reads while the key exists; `shred` deletes it, and
 * from then on nobody (an admin, a backup of the database with the master key)
 * can read it again.
 */
export interface DataKeys {
  /** A box sealing under the person's key, made on their first need of one (race-safe). */
  boxFor(userId: string, now: Date): Promise<SecretBox>;
  /** The boxes of those of `userIds` whose key exists; a missing one was shredded (or never made). */
  existing(userIds: readonly string[]): Promise<Map<string, SecretBox>>;
  /** Deletes the person's key for good; false when they had none. */
  shred(userId: string): Promise<boolean>;
}

export function createDataKeys(repo: DataKeyRepository, wrapping: SecretBox): DataKeys {
  const cache = new Map<string, { box: SecretBox; at: number }>();

  const boxOf = (wrapped: string) => createSecretBox(wrapping.open(wrapped));
  const remember = (userId: string, box: SecretBox) => {
    if (cache.size >= CACHE_MAX) cache.clear();
    cache.set(userId, { box, at: Date.now() });
    return box;
  };
  const cached = (userId: string) => {
    const hit = cache.get(userId);
    if (!hit) return null;
    if (Date.now() - hit.at > CACHE_MS) {
      cache.delete(userId);
      return null;
    }
    return hit.box;
  };

  return {
    async boxFor(userId, now) {
      if (!USER_ID.test(userId)) throw new Error(`data key: not a user id: ${userId}`);
      const hit = cached(userId);
      if (hit) return hit;
      const found = (await repo.wrappedOf([userId])).get(userId);
      const wrapped = found ?? (await repo.create(userId, wrapping.seal(randomBytes(32).toString('base64url')), now));
      return remember(userId, boxOf(wrapped));
    },
    async existing(userIds) {
      const boxes = new Map<string, SecretBox>();
      const missing: string[] = [];
      for (const id of new Set(userIds)) {
        const hit = cached(id);
        if (hit) boxes.set(id, hit);
        else if (USER_ID.test(id)) missing.push(id);
      }
      if (missing.length > 0) {
        for (const [id, wrapped] of await repo.wrappedOf(missing)) boxes.set(id, remember(id, boxOf(wrapped)));
      }
      return boxes;
    },
    async shred(userId) {
      cache.delete(userId);
      return repo.delete(userId);
    },
  };
}
