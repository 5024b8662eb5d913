import { createRepositories, newIdString } from '@seed-pms/db';
import { MAX_FILE_NAME_LENGTH } from '@seed-pms/domain';
import sharp from 'sharp';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { createServices, serviceInternals } from '../src/services.js';
import { internalContext } from '../src/trpc/internal-context.js';
import { bearer, callAs, createUser, login, type Session } from './auth-helpers.js';
import './servers/provided.js';
import { type TestApp, useTestApp } from './support.js';

/** The EICAR test file: every virus scanner flags it; it harms nothing. */
const EICAR = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*';

const bucket = `files-${Date.now().toString(36)}`;
const s3 = () => inject('s3');

/** The real server storing files in S3 (versitygw) and scanning them with the real clamd. */
const s3Env = () => ({
  STORAGE_DRIVER: 's3',
  S3_ENDPOINT: s3().endpoint,
  S3_REGION: s3().region,
  S3_BUCKET: bucket,
  S3_ACCESS_KEY_ID: s3().accessKeyId,
  S3_SECRET_ACCESS_KEY: s3().secretAccessKey,
});
const testApp = useTestApp(import.meta.url, { env: () => ({ ...s3Env(), CLAMAV_URL: inject('clamavUrl') }) });
const repos = () => createRepositories(testApp().database);

let admin: Session;
let me: { id: string; session: Session };

beforeAll(async () => {
  await (await serviceInternals(testApp().deps)).files.storage.ensureReady();
  const a = await createUser(testApp(), { roles: ['admin'] });
  admin = await login(testApp().app, a.email);
  const m = await createUser(testApp(), { roles: ['employee'] });
  me = { id: m._id.toHexString(), session: await login(testApp().app, m.email) };
});

const files = async () => (await serviceInternals(testApp().deps)).files;

const get = (session: Session, url: string) => callAs(testApp().app, session, 'GET', url);

/** A call as the employee, outside HTTP (project documents have no upload route yet). */
async function asMe(app: TestApp) {
  const actor = { id: me.id, email: 'me@example.com', roles: ['employee' as const], sessionId: null, pending: [] };
  return internalContext({ services: await createServices(app.deps), actor });
}

async function storeDocument(name: string, body: Buffer | string) {
  return (await files()).store(await asMe(testApp()), {
    purpose: 'project-document',
    owner: { type: 'project', id: newIdString() },
    name,
    body: typeof body === 'string' ? Buffer.from(body) : body,
  });
}

describe('uploads to S3 with virus scanning', () => {
  it('a clean upload is pending until scanned, then served through a presigned S3 URL', async () => {
    const png = await sharp({ create: { width: 300, height: 200, channels: 3, background: 'green' } })
      .png()
      .toBuffer();
    const boundary = '----seedpms';
    const response = await testApp().app.inject({
      method: 'POST',
      url: `/api/v1/employees/${me.id}/image`,
      headers: { ...bearer(me.session), 'content-type': `multipart/form-data; boundary=${boundary}` },
      payload: Buffer.concat([
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="me.png"\r\nContent-Type: image/png\r\n\r\n`,
        ),
        png,
        Buffer.from(`\r\n--${boundary}--\r\n`),
      ]),
    });
    expect(response.statusCode).toBe(200);
    // The image (not its thumbnail) of the profile: no link is handed out before the scan, so read the record.
    const fileId = (await repos().files.ownedBy({ type: 'employee', id: me.id })).find((f) => !f.derivedFrom)
      ?.id as string;
    // The upload woke the scanner; until it has passed the file, no URL is handed out.
    for (let i = 0; i < 50 && (await get(me.session, `/files/${fileId}`)).json().status === 'pending'; i += 1) {
      const download = await get(me.session, `/files/${fileId}/download`);
      // The scan may finish between the two reads: a link only once the file is clean.
      if (download.statusCode === 200) expect((await get(me.session, `/files/${fileId}`)).json().status).toBe('clean');
      else expect(download.json().error.code).toBe('FILE_NOT_READY');
      await (await files()).scanDue();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const scanned = (await get(me.session, `/files/${fileId}`)).json();
    expect(scanned).toMatchObject({
      status: 'clean',
      contentType: 'image/png',
      scan: { attempts: 1, lastError: null },
    });

    const link = await get(me.session, `/files/${fileId}/download`);
    expect(link.statusCode).toBe(200);
    const { url } = link.json();
    expect(url).toContain(s3().endpoint);
    expect(url).toContain('X-Amz-Signature=');
    const downloaded = await fetch(url);
    expect(downloaded.status).toBe(200);
    expect(downloaded.headers.get('content-disposition')).toContain('attachment');
    const bytes = Buffer.from(await downloaded.arrayBuffer());
    expect((await sharp(bytes).metadata()).width).toBe(300);
    // A changed signature is refused by the S3 server itself.
    const forged = url.replace(
      /X-Amz-Signature=([0-9a-f])/,
      (_: string, c: string) => `X-Amz-Signature=${c === 'a' ? 'b' : 'a'}`,
    );
    expect((await fetch(forged)).status).toBe(403);
    // The profile now shows the image, through presigned URLs.
    const profile = (await get(me.session, `/employees/${me.id}`)).json();
    expect(profile.image.url).toContain('X-Amz-Signature=');
    expect((await fetch(profile.image.thumbnailUrl)).status).toBe(200);
  });

  it('EICAR is found by the real clamd, quarantined and never served', async () => {
    const infected = await storeDocument('notes.txt', EICAR);
    expect(infected.status).toBe('pending');
    await (await files()).scanDue();

    const view = (await get(admin, `/files/${infected.id}`)).json();
    expect(view.status).toBe('infected');
    expect(view.scan.signature).toMatch(/eicar/i);
    const refused = await get(admin, `/files/${infected.id}/download`);
    expect(refused.statusCode).toBe(422);
    expect(refused.json().error.code).toBe('FILE_QUARANTINED');

    // Moved out of the files area in storage; listed for admins; the quarantine is audited.
    const stored = await repos().files.get(infected.id);
    expect(stored?.storageKey).toBe(`quarantine/${infected.id}`);
    const listed = (await get(admin, '/files?status=infected')).json();
    expect(listed.items.map((f: { id: string }) => f.id)).toContain(infected.id);
    const audit = (await get(admin, `/audits/file/${infected.id}`)).json();
    expect(audit.items.map((e: { action: string }) => e.action)).toEqual(
      expect.arrayContaining(['file.upload', 'file.quarantine']),
    );
    // Only HR and admins list files.
    expect((await get(me.session, '/files')).statusCode).toBe(403);

    const clean = await storeDocument('readme.md', '# Hello\nNothing to see here.\n');
    await (await files()).scanDue();
    expect((await get(admin, `/files/${clean.id}`)).json()).toMatchObject({
      status: 'clean',
      contentType: 'text/markdown',
    });
  });

  it('regression: a long file name loses its extension', async () => {
    // 201 characters: cut to 200 it used to lose ".txt", and plain text is typed by its extension (415).
    const long = `${'quarterly-plan-'.repeat(13)}ab.txt`;
    expect(long).toHaveLength(201);
    const stored = await storeDocument(long, 'The plan, in plain text.\n');
    expect(stored.contentType).toBe('text/plain');
    expect(stored.name).toHaveLength(MAX_FILE_NAME_LENGTH);
    expect(stored.name.endsWith('.txt')).toBe(true);
    expect(long.startsWith(stored.name.slice(0, -4))).toBe(true);
    expect((await get(admin, `/files/${stored.id}`)).json().name).toBe(stored.name);
  });

  it('refuses an empty file, naming the field as input validation does', async () => {
    await expect(storeDocument('empty.txt', '')).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      details: [{ path: 'file', code: 'too_small' }],
    });
  });

  it('refuses types the purpose does not allow, by content', async () => {
    const exe = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(2000, 0x90)]);
    await expect(storeDocument('report.pdf', exe)).rejects.toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
    await expect(storeDocument('data.bin', Buffer.from([0, 1, 2, 3, 0, 0, 0]))).rejects.toMatchObject({
      code: 'UNSUPPORTED_MEDIA_TYPE',
    });
  });
});

describe('without a scanner', () => {
  // The same database and bucket, with no CLAMAV_URL.
  const unscanned = useTestApp(`${import.meta.url}#no-scanner`, { sameDatabaseAs: testApp, env: () => s3Env() });

  it('files are unscanned and served, and a rescan answers 422 SCANNER_NOT_CONFIGURED', async () => {
    const service = (await serviceInternals(unscanned().deps)).files;
    const stored = await service.store(await asMe(unscanned()), {
      purpose: 'project-document',
      owner: { type: 'project', id: newIdString() },
      name: 'notes.md',
      body: Buffer.from('# Notes\n'),
    });
    expect(stored.status).toBe('unscanned');
    const session = await login(unscanned().app, (await createUser(unscanned(), { roles: ['admin'] })).email);
    const rescan = await unscanned().app.inject({
      method: 'POST',
      url: `/api/v1/files/${stored.id}/rescan`,
      headers: bearer(session),
    });
    expect(rescan.statusCode).toBe(422);
    expect(rescan.json().error).toMatchObject({ code: 'SCANNER_NOT_CONFIGURED', details: { setting: 'CLAMAV_URL' } });
  });
});

describe('scan failures', () => {
  // The same database and bucket, with a scanner address nothing listens on.
  const down = useTestApp(`${import.meta.url}#scanner-down`, {
    sameDatabaseAs: testApp,
    env: () => ({ ...s3Env(), CLAMAV_URL: 'tcp://127.0.0.1:1' }),
  });

  it('are retried with backoff, visible on the file, and end as failed; an admin can rescan', async () => {
    const service = (await serviceInternals(down().deps)).files;
    const stored = await service.store(await asMe(down()), {
      purpose: 'project-document',
      owner: { type: 'project', id: newIdString() },
      name: 'plan.txt',
      body: Buffer.from('quarterly plan'),
    });
    await service.scanDue();
    const { files: collection } = down().database.collections;
    const fileRepo = createRepositories(down().database).files;
    let doc = await fileRepo.get(stored.id);
    expect(doc).toMatchObject({ status: 'pending', scan: { attempts: 1 } });
    expect(doc?.scan.lastError).toMatch(/ECONNREFUSED|connect/i);
    expect(doc?.scan.nextAttemptAt?.getTime()).toBeGreaterThan(Date.now());
    const visible = (await get(admin, `/files/${stored.id}`)).json();
    expect(visible.scan.lastError).toMatch(/ECONNREFUSED|connect/i);

    // Make every retry due at once and run them out.
    for (let i = 0; i < 10 && doc?.status === 'pending'; i += 1) {
      await collection.updateOne({ storageKey: doc.storageKey }, { $set: { 'scan.nextAttemptAt': new Date(0) } });
      await service.scanDue();
      doc = await fileRepo.get(stored.id);
    }
    expect(doc).toMatchObject({ status: 'failed', scan: { attempts: 6 } });
    const blocked = await get(admin, `/files/${stored.id}/download`);
    expect(blocked.json().error.code).toBe('FILE_NOT_READY');

    // With the scanner back (the first app), an admin's rescan clears it.
    const rescan = await testApp().app.inject({
      method: 'POST',
      url: `/api/v1/files/${stored.id}/rescan`,
      headers: bearer(admin),
    });
    expect(rescan.statusCode).toBe(200);
    expect(rescan.json().status).toBe('pending');
    await (await files()).scanDue();
    expect((await get(admin, `/files/${stored.id}`)).json().status).toBe('clean');
  });
});
