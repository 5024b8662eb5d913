import { describe, expect, it } from 'vitest';
import { locksCollection, withLease } from '../src/locks.js';
import { useTestDatabase } from '../src/testing/vitest.js';

const database = useTestDatabase(import.meta.url);
const locks = () => database().collection(locksCollection);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('leases', () => {
  it('one holder at a time: work under the same name never overlaps', async () => {
    let inside = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 6 }, () =>
        withLease(locks(), 'exclusive', async () => {
          inside += 1;
          most = Math.max(most, inside);
          await sleep(20);
          inside -= 1;
        }),
      ),
    );
    expect(most).toBe(1);
  });

  it('is renewed while the work runs, so long work keeps it past its ttl', async () => {
    const long = withLease(locks(), 'long', () => sleep(600), { ttlMs: 150 });
    await sleep(50);
    await expect(withLease(locks(), 'long', async () => 'late', { waitMs: 400 })).rejects.toMatchObject({
      code: 'RESOURCE_BUSY',
      details: { lock: 'long', retryAfterSeconds: 1 },
    });
    await long;
    expect(await withLease(locks(), 'long', async () => 'free again')).toBe('free again');
  });

  it('lapses when its holder died without returning it', async () => {
    await locks().insertOne({ _id: 'orphan', holder: 'dead-process', until: new Date(Date.now() + 100) });
    expect(await withLease(locks(), 'orphan', async () => 'taken', { waitMs: 2_000 })).toBe('taken');
  });
});
