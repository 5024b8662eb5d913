import { describe, expect, it } from 'vitest';
import { createIdempotencyRepository, hashRequest } from '../src/idempotency/idempotency.repository.js';
import { useTestDatabase } from '../src/testing/vitest.js';

const database = useTestDatabase(import.meta.url);
const keys = () => createIdempotencyRepository(database().collections);

const claim = (key: string, input: unknown, now = new Date()) => ({
  actorId: 'user-1',
  operation: 'projects.create',
  key,
  requestHash: hashRequest(input),
  now,
  ttlMs: 24 * 3600_000,
  lockMs: 60_000,
});

describe('the idempotency-key store', () => {
  it('claims a new key, then replays the stored result for a repeat', async () => {
    const first = await keys().claim(claim('k1', { name: 'Apollo' }));
    expect(first.kind).toBe('claimed');
    if (first.kind !== 'claimed') return;
    await keys().complete(first.id, { id: 'p1', name: 'Apollo' });
    const repeat = await keys().claim(claim('k1', { name: 'Apollo' }));
    expect(repeat).toEqual({ kind: 'replay', response: { id: 'p1', name: 'Apollo' } });
  });

  it('refuses the same key with a different request as 422 IDEMPOTENCY_KEY_REUSED', async () => {
    const first = await keys().claim(claim('k2', { name: 'A' }));
    if (first.kind === 'claimed') await keys().complete(first.id, { ok: true });
    await expect(keys().claim(claim('k2', { name: 'B' }))).rejects.toMatchObject({
      code: 'IDEMPOTENCY_KEY_REUSED',
      status: 422,
    });
  });

  it('lets exactly one of concurrent first attempts run; the others see 409 IDEMPOTENCY_IN_PROGRESS', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, () => keys().claim(claim('k3', { same: true }))),
    );
    const claimed = results.filter((r) => r.status === 'fulfilled' && r.value.kind === 'claimed');
    const busy = results.filter(
      (r) => r.status === 'rejected' && (r.reason as { code: string }).code === 'IDEMPOTENCY_IN_PROGRESS',
    );
    expect(claimed).toHaveLength(1);
    expect(busy).toHaveLength(5);
  });

  it('frees a key whose first attempt failed, so a retry runs', async () => {
    const first = await keys().claim(claim('k4', 1));
    if (first.kind !== 'claimed') throw new Error('expected a claim');
    await keys().release(first.id);
    expect((await keys().claim(claim('k4', 1))).kind).toBe('claimed');
  });

  it('takes over a pending claim whose holder died (lock expired)', async () => {
    const t0 = new Date('2026-01-01T00:00:00Z');
    await keys().claim(claim('k5', 1, t0));
    const later = new Date(t0.getTime() + 61_000);
    expect((await keys().claim(claim('k5', 1, later))).kind).toBe('claimed');
  });

  it('purges expired keys and keeps live ones', async () => {
    const old = new Date('2020-01-01T00:00:00Z');
    await keys().claim(claim('old', 1, old));
    await keys().claim(claim('live', 1));
    const removed = await keys().purgeExpired(new Date());
    expect(removed).toBeGreaterThanOrEqual(1);
    expect((await keys().claim(claim('old', 2))).kind).toBe('claimed');
    await expect(keys().claim(claim('live', 1))).rejects.toMatchObject({
      code: 'IDEMPOTENCY_IN_PROGRESS',
    });
  });
});
