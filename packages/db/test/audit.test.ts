import { createHash } from 'node:crypto';
import { AuditEntryView, type AuditEvent } from '@seed-pms/domain';
import { type Collection, ObjectId } from 'mongodb';
import { beforeAll, beforeEach, describe, expect, inject, it, vi } from 'vitest';
import { type AuditDoc, auditCollection } from '../src/audit/audit.doc.js';
import * as repository from '../src/audit/audit.repository.js';
import {
  type AppendAuditInput,
  AUDIT_GENESIS_HASH,
  type AuditListFilter,
  appendAudit,
  auditEntryHash,
  forgetAuditEnds,
  listAudits,
  toAuditView,
  verifyAuditChain,
} from '../src/audit/audit.repository.js';
import { ensureIndexes } from '../src/indexes.js';
import { useTestDatabase } from '../src/testing/vitest.js';

const database = useTestDatabase(import.meta.url);
const audits = () => database().collection(auditCollection);
/** The raw driver, for what only an attacker with database access would do. */
const raw = () => database().db.collection<AuditDoc>('audit_logs');

beforeAll(async () => {
  await ensureIndexes(database().db, [auditCollection]);
});

/** Empties the trail, as nothing in the product does: this process must forget where it ended. */
async function emptyTrail() {
  await raw().deleteMany({});
  forgetAuditEnds();
}

beforeEach(emptyTrail);

const T0 = Date.parse('2026-01-01T00:00:00.000Z');

function input(n: number, overrides: Partial<AuditEvent> = {}, actorId = 'u-admin'): AppendAuditInput {
  return {
    actor: { actorId, actorType: 'user' },
    event: { action: 'user.update', resourceType: 'User', resourceId: `r${n}`, after: { n }, ...overrides },
    meta: { ip: '203.0.113.7', userAgent: 'vitest', requestId: `req-${n}` },
    timestamp: new Date(T0 + n * 3_600_000),
  };
}

async function appendMany(count: number): Promise<AuditEntryView[]> {
  const entries: AuditEntryView[] = [];
  for (let n = 1; n <= count; n += 1) entries.push(await appendAudit(audits(), input(n)));
  return entries;
}

/** A page of views (format-1 entries read as they were written). */
async function list(query: Partial<AuditListFilter>) {
  const page = await listAudits(audits(), { limit: 20, ...query });
  return { ...page, items: page.items.map((stored) => stored.entry) };
}

/** A stand-in for a data key: reversible, and plainly not the clear text. */
const sealWith = (id: string) => ({
  id,
  seal: (text: string) => `sealed:${id}:${Buffer.from(text).toString('base64url')}`,
});

interface Instrumentation {
  /** Another queue key: appends through this handle behave like another process's. */
  namespace?: string;
  afterFindOne?: () => Promise<void>;
  beforeInsertMany?: () => Promise<void>;
  onConflict?: () => void;
}

/** A handle on the trail with hooks around the driver calls appendAudit makes. */
function instrumented(collection: Collection<AuditDoc>, hooks: Instrumentation): Collection<AuditDoc> {
  return new Proxy(collection, {
    get(target, property) {
      if (property === 'namespace' && hooks.namespace) return hooks.namespace;
      if (property === 'findOne') {
        return async (...args: Parameters<Collection<AuditDoc>['findOne']>) => {
          const found = await target.findOne(...args);
          await hooks.afterFindOne?.();
          return found;
        };
      }
      if (property === 'insertMany') {
        return async (...args: Parameters<Collection<AuditDoc>['insertMany']>) => {
          await hooks.beforeInsertMany?.();
          try {
            return await target.insertMany(...args);
          } catch (error) {
            if ((error as { code?: unknown }).code === 11000) hooks.onConflict?.();
            throw error;
          }
        };
      }
      const value = Reflect.get(target, property);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** Rewrites one stored entry the way an attacker with write access could, hash included. */
async function forge(seq: number, change: Partial<AuditDoc>): Promise<void> {
  const doc = await raw().findOne({ seq });
  if (!doc) throw new Error(`no entry ${seq}`);
  const forged = { ...doc, ...change };
  await raw().updateOne({ seq }, { $set: { ...change, hash: auditEntryHash(toAuditView(forged)) } });
}

describe('appending', () => {
  it('gives 50 concurrent appends of one process the seqs 1..50 in one valid chain, without conflicts', async () => {
    let conflicts = 0;
    const handle = instrumented(audits(), {
      onConflict: () => {
        conflicts += 1;
      },
    });
    const started = performance.now();
    const entries = await Promise.all(Array.from({ length: 50 }, (_, i) => appendAudit(handle, input(i + 1))));
    const elapsedMs = performance.now() - started;
    // One process never races itself: its appends wait in its queue.
    expect(conflicts).toBe(0);
    expect(entries.map((e) => e.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    const first = entries.find((e) => e.seq === 1);
    expect(first?.prevHash).toBe(AUDIT_GENESIS_HASH);
    const bySeq = new Map(entries.map((e) => [e.seq, e]));
    for (let seq = 2; seq <= 50; seq += 1) expect(bySeq.get(seq)?.prevHash).toBe(bySeq.get(seq - 1)?.hash);
    expect(await verifyAuditChain(audits(), { batchSize: 7 })).toEqual({
      ok: true,
      checked: 50,
      lastSeq: 50,
      lastHash: bySeq.get(50)?.hash,
      brokenAt: null,
    });
    expect(await raw().countDocuments()).toBe(50);
    expect(elapsedMs).toBeLessThan(15_000);
  });

  it('keeps one contiguous chain when two processes append at once (unique seq, re-read and retry)', async () => {
    // A second process: fresh copies of the modules (so its own append queue)
    // and its own client and connection pool to the same database.
    vi.resetModules();
    const otherRepository = await import('../src/audit/audit.repository.js');
    const otherConnection = await import('../src/connection.js');
    expect(otherRepository.appendAudit).not.toBe(appendAudit);
    const second = await otherConnection.connectDatabase({
      url: inject('mongoUrl'),
      dbName: database().db.databaseName,
      maxPoolSize: 5,
    });
    try {
      let conflicts = 0;
      const onConflict = () => {
        conflicts += 1;
      };
      const mine = instrumented(audits(), { onConflict });
      const theirs = instrumented(second.collection(auditCollection), { onConflict });
      // Each process keeps appending, one entry after the other, while the other does too.
      const steadily = async (append: () => Promise<AuditEntryView>) => {
        const entries: AuditEntryView[] = [];
        for (let i = 0; i < 25; i += 1) entries.push(await append());
        return entries;
      };
      const [ours, others] = await Promise.allSettled([
        steadily(() => appendAudit(mine, input(1, {}, 'process-1'))),
        steadily(() => otherRepository.appendAudit(theirs, input(2, {}, 'process-2'))),
      ]);
      expect(ours.status).toBe('fulfilled');
      expect(others.status).toBe('fulfilled');
      const all = [ours, others].flatMap((result) => (result.status === 'fulfilled' ? result.value : []));
      expect(all.map((e) => e.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      expect(await verifyAuditChain(audits())).toMatchObject({ ok: true, checked: 50, brokenAt: null });
      expect(await raw().countDocuments({ actorId: 'process-1' })).toBe(25);
      expect(await raw().countDocuments({ actorId: 'process-2' })).toBe(25);
      // The processes really raced: some inserts lost seq + 1 to the other and were chained anew.
      expect(conflicts).toBeGreaterThan(0);
    } finally {
      await second.close();
    }
  });

  it('chains after an entry another process wrote between its read and its insert', async () => {
    let intruded = false;
    const handle = instrumented(audits(), {
      namespace: 'another-process',
      // The other process's append lands right after our first read of the end of the trail.
      async afterFindOne() {
        if (intruded) return;
        intruded = true;
        await appendAudit(audits(), input(0, {}, 'intruder'));
      },
    });
    const entries = await Promise.all([1, 2, 3].map((n) => appendAudit(handle, input(n))));
    expect(intruded).toBe(true);
    expect(entries.map((e) => [e.seq, e.resourceId])).toEqual([
      [2, 'r1'],
      [3, 'r2'],
      [4, 'r3'],
    ]);
    expect((await raw().findOne({ seq: 1 }))?.actorId).toBe('intruder');
    expect(await verifyAuditChain(audits())).toMatchObject({ ok: true, checked: 4 });
  });

  it('keeps the part of a batch that got in before another process took a seq, and chains the rest after it', async () => {
    await appendAudit(audits(), input(1));
    let intruded = false;
    const handle = instrumented(audits(), {
      namespace: 'another-process',
      // A foreign entry at seq 3, written while our batch for 2..4 is on its way.
      async beforeInsertMany() {
        if (intruded) return;
        intruded = true;
        const first = await raw().findOne({ seq: 1 });
        await raw().insertOne({ ...(first as AuditDoc), _id: new ObjectId(), seq: 3, actorId: 'intruder' });
      },
    });
    const entries = await Promise.all([2, 3, 4].map((n) => appendAudit(handle, input(n))));
    expect(entries.map((e) => [e.seq, e.resourceId])).toEqual([
      [2, 'r2'],
      [4, 'r3'],
      [5, 'r4'],
    ]);
    expect(await raw().countDocuments()).toBe(5);
    expect(entries[1]?.prevHash).toBe((await raw().findOne({ seq: 3 }))?.hash);
    // The foreign entry is a copy of entry 1 and does not fit its place: verify says so.
    expect((await verifyAuditChain(audits())).brokenAt).toEqual({ seq: 3, reason: 'hash-mismatch' });
  });

  it('fails an append with an error of the database instead of retrying it', async () => {
    const handle = instrumented(audits(), {
      namespace: 'another-process',
      async beforeInsertMany() {
        throw new Error('connection reset');
      },
    });
    await expect(appendAudit(handle, input(1))).rejects.toThrow('connection reset');
    expect(await raw().countDocuments()).toBe(0);
    // The queue recovers: the next append goes through.
    expect((await appendAudit(audits(), input(2))).seq).toBe(1);
  });

  it('stores no secrets from before, after or details', async () => {
    const entry = await appendAudit(
      audits(),
      input(1, {
        action: 'user.password.reset',
        before: { email: 'ada@example.com', passwordHash: '$argon2id$old', hasPassword: true },
        after: {
          email: 'ada@example.com',
          password: 'hunter2-plain',
          passwordHash: '$argon2id$new',
          resetToken: 'tok-123',
          mfa: { enabled: true, secret: 'JBSWY3DPEHPK3PXP', recoveryCodeHashes: ['rc-hash'] },
          passwordChangedAt: new Date(T0),
        },
        details: { reason: 'forgot', apiKey: 'key-456' },
      }),
    );
    const stored = await raw().findOne({ seq: entry.seq });
    const text = JSON.stringify(stored);
    for (const secret of ['hunter2-plain', '$argon2id$', 'tok-123', 'JBSWY3DPEHPK3PXP', 'rc-hash', 'key-456']) {
      expect(text).not.toContain(secret);
    }
    expect(entry.changes).toEqual({
      before: { email: 'ada@example.com', hasPassword: true },
      after: { email: 'ada@example.com', mfa: { enabled: true }, passwordChangedAt: '2026-01-01T00:00:00.000Z' },
    });
    expect(entry.details).toEqual({ reason: 'forgot' });
  });

  it('returns the entry exactly as it reads back, with a hash anyone can recompute from the API output', async () => {
    const awkward = await appendAudit(audits(), {
      actor: { actorId: 'system', actorType: 'system' },
      event: {
        action: 'settings.update',
        resourceType: 'Settings',
        resourceId: 'organization \uD800 lone surrogate',
        before: null,
        after: {
          'key.with.dots': 1,
          $dollar: 2,
          nested: [
            [1, 2],
            [3, [4]],
          ],
          numbers: [0.1, -0, 1e21, 2 ** 53, -1.5e-7],
          text: 'ünïcødé 🎉 "quoted" \\ back\u0001slash',
          zSorted: { b: 1, a: 2 },
        },
      },
      meta: { ip: '::1', userAgent: `curl/8 \uDC00 ${'x'.repeat(2000)}`, requestId: 'req-awkward' },
      timestamp: new Date('2026-02-03T04:05:06.789Z'),
    });
    const plain = await appendAudit(audits(), input(2, { before: undefined, after: undefined }));
    expect(plain.changes).toBeNull();
    expect(plain.details).toBeNull();
    expect(awkward.metadata.userAgent?.length).toBeLessThanOrEqual(512);
    expect(awkward.resourceId).toBe('organization \uFFFD lone surrogate');
    expect(awkward.changes?.before).toBeNull();

    // What the API's output schema will check.
    expect(AuditEntryView.parse(awkward)).toEqual(awkward);
    const page = await list({});
    expect(page.items.map((e) => e.seq)).toEqual([2, 1]);
    expect(page.items[1]).toEqual(awkward);
    expect(page.items[0]).toEqual(plain);
    // As a client would see it over HTTP: recompute sha256(prevHash + canonical JSON without hash, subjectId and shredded).
    for (const item of JSON.parse(JSON.stringify(page.items)) as AuditEntryView[]) {
      const { hash, subjectId: _subject, shredded: _shredded, ...rest } = item;
      const recomputed = createHash('sha256')
        .update(item.prevHash + sortedJson(rest))
        .digest('hex');
      expect(recomputed).toBe(hash);
    }
    expect((await verifyAuditChain(audits())).ok).toBe(true);
  });

  it('refuses an entry without an action or with an invalid timestamp', async () => {
    await expect(appendAudit(audits(), input(1, { action: '' }))).rejects.toThrow(/action/);
    await expect(appendAudit(audits(), { ...input(1), timestamp: new Date(Number.NaN) })).rejects.toThrow(/timestamp/);
    expect(await raw().countDocuments()).toBe(0);
  });

  it('exports nothing that changes or removes entries', () => {
    const names = Object.keys(repository);
    expect(names).toContain('appendAudit');
    expect(names.filter((name) => /update|delete|remove|purge|replace|edit|prune|truncate/i.test(name))).toEqual([]);
  });
});

/** An independent canonical JSON, as a client would write it: sorted keys, no whitespace. */
function sortedJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(sortedJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    return `{${Object.keys(record)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${sortedJson(record[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

describe('sealed entries (format 2)', () => {
  const subject = 'aaaaaaaaaaaaaaaaaaaaaaaa';
  const actor = 'bbbbbbbbbbbbbbbbbbbbbbbb';
  const sealedInput = (n: number): AppendAuditInput => ({
    ...input(n, { details: { reason: 'Private reason' } }, actor),
    seal: { subject: sealWith(subject), client: sealWith(actor) },
  });

  it('stores changes and details under the subject’s key and the client under the actor’s; the writer gets them in the clear', async () => {
    const written = await appendAudit(audits(), sealedInput(1));
    expect(written).toMatchObject({
      subjectId: subject,
      changes: { before: null, after: { n: 1 } },
      details: { reason: 'Private reason' },
      metadata: { ip: '203.0.113.7', userAgent: 'vitest' },
      shredded: false,
    });
    const stored = await raw().findOne({ seq: 1 });
    expect(stored).toMatchObject({ format: 2, sealing: { subject, client: actor }, metadata: { userAgent: null } });
    const text = JSON.stringify(stored);
    for (const clear of ['Private reason', '203.0.113.7', 'vitest']) expect(text).not.toContain(clear);
    // Read back: the sealed parts for their keys' owners to open, nothing of them in the view.
    const [read] = (await listAudits(audits(), { limit: 5 })).items;
    expect(read?.entry).toMatchObject({ changes: null, details: null, metadata: { ip: '', userAgent: null } });
    expect(read?.sealed).toMatchObject({ subjectId: subject, clientId: actor });
    expect(read?.sealed?.details).toBe(stored?.detailsJson);
  });

  it('chains with format-1 entries and verifies from the stored form, which any change breaks', async () => {
    await appendAudit(audits(), input(1));
    await appendAudit(audits(), sealedInput(2));
    await appendAudit(audits(), input(3));
    expect(await verifyAuditChain(audits())).toMatchObject({ ok: true, checked: 3 });
    await raw().updateOne({ seq: 2 }, { $set: { detailsJson: 'sealed:other' } });
    expect((await verifyAuditChain(audits())).brokenAt).toEqual({ seq: 2, reason: 'hash-mismatch' });
    await emptyTrail();
    await appendAudit(audits(), sealedInput(1));
    await raw().updateOne({ seq: 1 }, { $set: { 'sealing.subject': actor } });
    expect((await verifyAuditChain(audits())).brokenAt).toEqual({ seq: 1, reason: 'hash-mismatch' });
  });
});

describe('verifying', () => {
  it('reports an empty trail as intact', async () => {
    expect(await verifyAuditChain(audits())).toEqual({
      ok: true,
      checked: 0,
      lastSeq: 0,
      lastHash: null,
      brokenAt: null,
    });
  });

  it('finds an entry whose after was changed in the database: hash-mismatch at its seq', async () => {
    await appendMany(6);
    await raw().updateOne({ seq: 4 }, { $set: { changesJson: '{"after":{"n":999},"before":null}' } });
    expect(await verifyAuditChain(audits(), { batchSize: 2 })).toMatchObject({
      ok: false,
      checked: 3,
      lastSeq: 3,
      brokenAt: { seq: 4, reason: 'hash-mismatch' },
    });
  });

  it('finds a change to any hashed field, including metadata and timestamp', async () => {
    await appendMany(3);
    await raw().updateOne({ seq: 2 }, { $set: { 'metadata.ip': '198.51.100.1' } });
    expect((await verifyAuditChain(audits())).brokenAt).toEqual({ seq: 2, reason: 'hash-mismatch' });
    await emptyTrail();
    await appendMany(3);
    await raw().updateOne({ seq: 1 }, { $set: { timestamp: new Date(T0) } });
    expect((await verifyAuditChain(audits())).brokenAt).toEqual({ seq: 1, reason: 'hash-mismatch' });
  });

  it('reports a damaged entry that cannot even be read as hash-mismatch', async () => {
    await appendMany(2);
    await raw().updateOne({ seq: 2 }, { $set: { changesJson: '{not json' } });
    expect((await verifyAuditChain(audits())).brokenAt).toEqual({ seq: 2, reason: 'hash-mismatch' });
  });

  it('finds an entry rewritten with a fresh hash by the next entry: broken-link', async () => {
    await appendMany(5);
    await forge(3, { changesJson: '{"after":{"n":-1},"before":null}' });
    expect(await verifyAuditChain(audits())).toMatchObject({
      ok: false,
      checked: 3,
      brokenAt: { seq: 4, reason: 'broken-link' },
    });
  });

  it('finds a deleted entry in the middle: missing-entry at its seq', async () => {
    await appendMany(5);
    await raw().deleteOne({ seq: 3 });
    expect(await verifyAuditChain(audits())).toMatchObject({
      ok: false,
      checked: 2,
      lastSeq: 2,
      brokenAt: { seq: 3, reason: 'missing-entry' },
    });
  });

  it('finds a deleted first entry: missing-entry at 1', async () => {
    await appendMany(3);
    await raw().deleteOne({ seq: 1 });
    expect(await verifyAuditChain(audits())).toEqual({
      ok: false,
      checked: 0,
      lastSeq: 0,
      lastHash: null,
      brokenAt: { seq: 1, reason: 'missing-entry' },
    });
  });

  it('finds an entry deleted and the rest renumbered: hash-mismatch where the seq moved', async () => {
    await appendMany(4);
    await raw().deleteOne({ seq: 2 });
    await raw().updateOne({ seq: 3 }, { $set: { seq: 2 } });
    await raw().updateOne({ seq: 4 }, { $set: { seq: 3 } });
    expect((await verifyAuditChain(audits())).brokenAt).toEqual({ seq: 2, reason: 'hash-mismatch' });
  });

  it('cannot see the newest entries removed, but an anchor kept elsewhere can', async () => {
    await appendMany(5);
    const anchorReport = await verifyAuditChain(audits());
    expect(anchorReport).toMatchObject({ ok: true, lastSeq: 5 });
    const anchor = { seq: anchorReport.lastSeq, hash: anchorReport.lastHash ?? '' };
    await raw().deleteMany({ seq: { $gte: 4 } });
    // The remaining chain is intact: truncation of the tail is invisible to the chain alone.
    expect(await verifyAuditChain(audits())).toMatchObject({ ok: true, lastSeq: 3 });
    expect(await verifyAuditChain(audits(), { anchor })).toMatchObject({
      ok: false,
      lastSeq: 3,
      brokenAt: { seq: 4, reason: 'missing-entry' },
    });
  });

  it('cannot see a consistent rewrite of the tail, but an anchor can', async () => {
    await appendMany(4);
    const before = await verifyAuditChain(audits());
    const anchor = { seq: 4, hash: before.lastHash ?? '' };
    // Rewrite entry 2 and re-chain everything after it, as a thorough attacker would.
    await forge(2, { changesJson: '{"after":{"n":-2},"before":null}' });
    for (let seq = 3; seq <= 4; seq += 1) {
      const previous = await raw().findOne({ seq: seq - 1 });
      await forge(seq, { prevHash: previous?.hash ?? '' });
    }
    expect((await verifyAuditChain(audits())).ok).toBe(true);
    expect((await verifyAuditChain(audits(), { anchor })).brokenAt).toEqual({ seq: 4, reason: 'hash-mismatch' });
  });

  it('keeps verifying after appends that follow an anchor', async () => {
    await appendMany(3);
    const report = await verifyAuditChain(audits());
    await appendAudit(audits(), input(4));
    expect(
      await verifyAuditChain(audits(), { anchor: { seq: report.lastSeq, hash: report.lastHash ?? '' } }),
    ).toMatchObject({ ok: true, checked: 4, lastSeq: 4 });
  });
});

describe('listing', () => {
  async function seed(): Promise<void> {
    const plan: [string, string, string, string][] = [
      ['alice', 'user.create', 'User', 'u1'],
      ['alice', 'user.update', 'User', 'u1'],
      ['bob', 'user.update', 'User', 'u2'],
      ['bob', 'auth.login.failed', 'User', 'u2'],
      ['system', 'settings.update', 'Settings', 'organization'],
      ['alice', 'user.archive', 'User', 'u2'],
      ['bob', 'auth.login.failed', 'User', 'u1'],
    ];
    for (const [n, [actorId, action, resourceType, resourceId]] of plan.entries()) {
      await appendAudit(audits(), input(n + 1, { action, resourceType, resourceId }, actorId));
    }
  }

  const seqs = (page: { items: AuditEntryView[] }) => page.items.map((e) => e.seq);

  it('lists newest first and filters by actor, action, resource and time, combined', async () => {
    await seed();
    expect(seqs(await list({}))).toEqual([7, 6, 5, 4, 3, 2, 1]);
    expect(seqs(await list({ actorId: 'alice' }))).toEqual([6, 2, 1]);
    expect(seqs(await list({ action: 'auth.login.failed' }))).toEqual([7, 4]);
    expect(seqs(await list({ resourceType: 'User', resourceId: 'u2' }))).toEqual([6, 4, 3]);
    expect(seqs(await list({ resourceType: 'Settings' }))).toEqual([5]);
    expect(seqs(await list({ actorId: 'bob', resourceId: 'u1' }))).toEqual([7]);
    // Entry n was at T0 + n hours; from is inclusive, to exclusive.
    const at = (n: number) => new Date(T0 + n * 3_600_000);
    expect(seqs(await list({ from: at(3), to: at(6) }))).toEqual([5, 4, 3]);
    expect(seqs(await list({ from: at(3), to: at(6), actorId: 'bob' }))).toEqual([4, 3]);
    expect(seqs(await list({ actorId: 'nobody' }))).toEqual([]);
  });

  it('pages with opaque cursors, without overlaps or gaps, unaffected by new entries', async () => {
    await appendMany(10);
    const first = await list({ limit: 4 });
    expect(seqs(first)).toEqual([10, 9, 8, 7]);
    expect(first.nextCursor).toEqual(expect.any(String));
    expect(first.nextCursor).not.toMatch(/^\d+$/);
    // An entry appended meanwhile appears on a new first page, not on the next pages.
    await appendAudit(audits(), input(11));
    const second = await list({ limit: 4, cursor: first.nextCursor ?? undefined });
    const third = await list({ limit: 4, cursor: second.nextCursor ?? undefined });
    expect(seqs(second)).toEqual([6, 5, 4, 3]);
    expect(seqs(third)).toEqual([2, 1]);
    expect(third.nextCursor).toBeNull();
    const exact = await list({ limit: 11 });
    expect(exact.items).toHaveLength(11);
    expect(exact.nextCursor).toBeNull();
  });

  it('pages within a filter', async () => {
    await seed();
    const first = await list({ actorId: 'alice', limit: 2 });
    const second = await list({ actorId: 'alice', limit: 2, cursor: first.nextCursor ?? undefined });
    expect([...seqs(first), ...seqs(second)]).toEqual([6, 2, 1]);
    expect(second.nextCursor).toBeNull();
  });

  it('refuses a cursor it did not hand out as 400 VALIDATION_FAILED', async () => {
    await appendMany(2);
    const forged = (payload: unknown) => Buffer.from(JSON.stringify(payload)).toString('base64url');
    for (const cursor of ['garbage!', 'e30', forged({ s: 0 }), forged({ s: 'x' }), forged({ s: 1.5 }), forged([1])]) {
      await expect(list({ cursor })).rejects.toMatchObject({
        code: 'VALIDATION_FAILED',
        status: 400,
        details: [{ path: 'cursor', message: 'is not one this list handed out', code: 'invalid_cursor' }],
      });
    }
  });
});
