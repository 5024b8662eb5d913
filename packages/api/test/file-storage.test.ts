import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  DeleteBucketCommand,
  DeleteObjectCommand,
  ListObjectsV2Command,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../src/config/config.js';
import { createStorage } from '../src/files/storage/create-storage.js';
import { LOCAL_BLOB_PATH, LocalObjectStorage, verifyLocalSignedUrl } from '../src/files/storage/local-storage.js';
import { S3ObjectStorage } from '../src/files/storage/s3-storage.js';
import {
  contentDisposition,
  InvalidStorageKeyError,
  type ObjectStorage,
  StorageNotFoundError,
} from '../src/files/storage/storage.js';
import type {} from './servers/provided.js';

const URL_SECRET = 'test-file-url-secret-0123456789abcdef-0123456789';
const BAD_KEYS = [
  '',
  '../etc/passwd',
  'files/../../x',
  '/etc/passwd',
  'files\\ab\\x',
  'files/a\0b',
  'files//x',
  'files/',
];

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/** The bytes as a stream of 64 KiB chunks, like a multipart upload arrives. */
function streamOf(bytes: Buffer): Readable {
  return Readable.from(
    (function* () {
      for (let offset = 0; offset < bytes.length; offset += 64 * 1024) yield bytes.subarray(offset, offset + 64 * 1024);
    })(),
  );
}

/** A stream that fails after its first chunk, like an upload whose client went away. */
function failingStream(): Readable {
  return Readable.from(
    (async function* () {
      yield randomBytes(100_000);
      throw new Error('the client went away');
    })(),
  );
}

const keyFor = (name: string) => `files/${randomBytes(1).toString('hex')}/${randomBytes(12).toString('hex')}${name}`;

function s3Options(bucket: string, secretAccessKey?: string) {
  const s3 = inject('s3');
  return {
    endpoint: s3.endpoint,
    region: s3.region,
    bucket,
    accessKeyId: s3.accessKeyId,
    secretAccessKey: secretAccessKey ?? s3.secretAccessKey,
    forcePathStyle: true,
  };
}

const localRoot = mkdtempSync(join(tmpdir(), 'seed-file-storage-'));
const bucket = `seed-file-storage-${randomBytes(4).toString('hex')}`;

const drivers: { name: string; make: () => ObjectStorage }[] = [
  {
    name: 'local',
    make: () => new LocalObjectStorage({ root: join(localRoot, 'files'), urlSecret: URL_SECRET, baseUrl: 'http://x' }),
  },
  { name: 's3', make: () => new S3ObjectStorage(s3Options(bucket)) },
];

afterAll(async () => {
  rmSync(localRoot, { recursive: true, force: true });
  // Leave nothing behind on an S3 server of one's own (TEST_S3_ENDPOINT).
  const s3 = inject('s3');
  const client = new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    forcePathStyle: true,
  });
  const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket })).catch(() => undefined);
  for (const object of listed?.Contents ?? []) {
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: object.Key }));
  }
  await client.send(new DeleteBucketCommand({ Bucket: bucket })).catch(() => undefined);
  client.destroy();
});

describe.each(drivers)('$name storage', ({ name, make }) => {
  let storage: ObjectStorage;
  beforeAll(async () => {
    storage = make();
    await storage.ensureReady();
    await storage.ensureReady(); // a restart finds the bucket/directory already there
  });

  it('reports its driver', () => {
    expect(storage.driver).toBe(name);
  });

  it('streams a 3 MB object in and out unchanged', async () => {
    const bytes = randomBytes(3 * 1024 * 1024 + 17);
    const key = keyFor('');
    await storage.put(key, streamOf(bytes), { contentType: 'application/pdf', size: bytes.length });
    expect(sha256(await readAll(await storage.get(key)))).toBe(sha256(bytes));
  });

  it('stores a stream of unannounced length', async () => {
    const bytes = randomBytes(3 * 1024 * 1024);
    const key = keyFor('');
    await storage.put(key, streamOf(bytes), { contentType: 'application/octet-stream' });
    expect(sha256(await readAll(await storage.get(key)))).toBe(sha256(bytes));
  });

  it('stores a buffer, and an empty one', async () => {
    const key = keyFor('.thumb');
    await storage.put(key, Buffer.from('a small thumbnail'), { contentType: 'image/webp' });
    expect((await readAll(await storage.get(key))).toString()).toBe('a small thumbnail');
    const empty = keyFor('');
    await storage.put(empty, Buffer.alloc(0), { contentType: 'text/plain', size: 0 });
    expect((await readAll(await storage.get(empty))).length).toBe(0);
  });

  it('overwrites an existing key', async () => {
    const key = keyFor('');
    await storage.put(key, Buffer.from('first version'), { contentType: 'text/plain' });
    await storage.put(key, streamOf(Buffer.from('second')), { contentType: 'text/plain', size: 6 });
    expect((await readAll(await storage.get(key))).toString()).toBe('second');
  });

  it('deletes, after which get throws StorageNotFoundError; deleting again is fine', async () => {
    const key = keyFor('');
    await storage.put(key, Buffer.from('to be deleted'), { contentType: 'text/plain' });
    await storage.delete(key);
    await expect(storage.get(key)).rejects.toBeInstanceOf(StorageNotFoundError);
    await storage.delete(key);
    await expect(storage.get(keyFor(''))).rejects.toBeInstanceOf(StorageNotFoundError);
  });

  it('fails a put whose body is not the announced size, keeping the previous object', async () => {
    const key = keyFor('');
    await storage.put(key, Buffer.from('kept'), { contentType: 'text/plain' });
    await expect(
      storage.put(key, streamOf(randomBytes(1000)), { contentType: 'text/plain', size: 2000 }),
    ).rejects.toThrow(/expected 2000/);
    await expect(
      storage.put(key, streamOf(randomBytes(3000)), { contentType: 'text/plain', size: 2000 }),
    ).rejects.toThrow();
    await expect(storage.put(key, Buffer.from('abc'), { contentType: 'text/plain', size: 4 })).rejects.toThrow();
    expect((await readAll(await storage.get(key))).toString()).toBe('kept');
  });

  it('fails a put whose source stream fails, storing nothing', async () => {
    const key = keyFor('');
    await expect(storage.put(key, failingStream(), { contentType: 'text/plain', size: 200_000 })).rejects.toThrow(
      'the client went away',
    );
    await expect(storage.put(key, failingStream(), { contentType: 'text/plain' })).rejects.toThrow(
      'the client went away',
    );
    await expect(storage.get(key)).rejects.toBeInstanceOf(StorageNotFoundError);
  });

  it('refuses keys that could escape the root or be read two ways', async () => {
    for (const key of BAD_KEYS) {
      await expect(storage.put(key, Buffer.from('x'), { contentType: 'text/plain' })).rejects.toBeInstanceOf(
        InvalidStorageKeyError,
      );
      await expect(storage.get(key)).rejects.toBeInstanceOf(InvalidStorageKeyError);
      await expect(storage.delete(key)).rejects.toBeInstanceOf(InvalidStorageKeyError);
      await expect(
        storage.signedUrl(key, { expiresInSeconds: 60, fileName: 'x', contentType: 'text/plain' }),
      ).rejects.toBeInstanceOf(InvalidStorageKeyError);
    }
  });
});

describe('local storage', () => {
  const root = join(localRoot, 'local-only');
  const now = new Date('2026-03-01T12:00:00Z');
  const storage = new LocalObjectStorage({
    root,
    urlSecret: URL_SECRET,
    baseUrl: 'https://pms.example.com/',
    now: () => now,
  });
  const signed = async (options: { fileName?: string; inline?: boolean } = {}) => {
    const url = new URL(
      await storage.signedUrl('files/ab/0123456789abcdef01234567', {
        expiresInSeconds: 300,
        fileName: options.fileName ?? 'Rapport été "final".pdf',
        contentType: 'application/pdf',
        ...(options.inline ? { inline: true } : {}),
      }),
    );
    return { url, query: Object.fromEntries(url.searchParams) };
  };

  it('creates its root on ensureReady and leaves no temp files behind', async () => {
    expect(existsSync(root)).toBe(false);
    await storage.ensureReady();
    const key = 'files/cd/0123456789abcdef01234567';
    await storage.put(key, streamOf(randomBytes(200_000)), { contentType: 'image/png', size: 200_000 });
    await expect(storage.put(key, streamOf(randomBytes(10)), { contentType: 'image/png', size: 11 })).rejects.toThrow();
    expect(readdirSync(join(root, 'files', 'cd'))).toEqual(['0123456789abcdef01234567']);
  });

  it('signs URLs to the blob route that verifyLocalSignedUrl accepts', async () => {
    const { url, query } = await signed();
    expect(`${url.origin}${url.pathname}`).toBe(`https://pms.example.com${LOCAL_BLOB_PATH}`);
    expect(query.expires).toBe(String(now.getTime() / 1000 + 300));
    expect(verifyLocalSignedUrl(query, URL_SECRET, now)).toEqual({
      key: 'files/ab/0123456789abcdef01234567',
      fileName: 'Rapport été "final".pdf',
      contentType: 'application/pdf',
      inline: false,
    });
    const inline = await signed({ inline: true });
    expect(verifyLocalSignedUrl(inline.query, URL_SECRET, now)).toMatchObject({ inline: true });
  });

  it('refuses a URL with any signed field changed', async () => {
    const { query } = await signed();
    const tampered: Record<string, string>[] = [
      { ...query, key: 'files/ab/0123456789abcdef01234568' },
      { ...query, name: 'other.pdf' },
      { ...query, type: 'text/html' },
      { ...query, expires: String(Number(query.expires) + 3600) },
      { ...query, inline: '1' },
      { ...query, signature: `${query.signature?.slice(0, -1)}${query.signature?.endsWith('A') ? 'B' : 'A'}` },
      { ...query, signature: '' },
    ];
    for (const changed of tampered)
      expect(verifyLocalSignedUrl(changed, URL_SECRET, now)).toEqual({ error: 'invalid' });
    expect(verifyLocalSignedUrl(query, `${URL_SECRET}x`, now)).toEqual({ error: 'invalid' });
    const { signature: _, ...unsigned } = query;
    expect(verifyLocalSignedUrl(unsigned, URL_SECRET, now)).toEqual({ error: 'invalid' });
    expect(verifyLocalSignedUrl({ ...query, key: [query.key, query.key] }, URL_SECRET, now)).toEqual({
      error: 'invalid',
    });
  });

  it('refuses an expired URL, and a tampered expired one as invalid', async () => {
    const { query } = await signed();
    expect(verifyLocalSignedUrl(query, URL_SECRET, new Date(now.getTime() + 300_000))).not.toHaveProperty('error');
    expect(verifyLocalSignedUrl(query, URL_SECRET, new Date(now.getTime() + 301_000))).toEqual({ error: 'expired' });
    expect(verifyLocalSignedUrl({ ...query, name: 'x.pdf' }, URL_SECRET, new Date(now.getTime() + 301_000))).toEqual({
      error: 'invalid',
    });
  });
});

describe('S3 storage against a signature-checking server', () => {
  const storage = new S3ObjectStorage(s3Options(bucket));
  const key = keyFor('');
  const bytes = randomBytes(300_000);
  beforeAll(async () => {
    await storage.ensureReady();
    await storage.put(key, bytes, { contentType: 'application/octet-stream' });
  });

  it('hands out a presigned URL that downloads the object with our name and type', async () => {
    const url = await storage.signedUrl(key, {
      expiresInSeconds: 60,
      fileName: 'Rapport été "final".pdf',
      contentType: 'application/pdf',
    });
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/pdf');
    expect(response.headers.get('content-disposition')).toBe(contentDisposition('Rapport été "final".pdf'));
    expect(response.headers.get('content-disposition')).toBe(
      `attachment; filename="Rapport _t_ _final_.pdf"; filename*=UTF-8''Rapport%20%C3%A9t%C3%A9%20%22final%22.pdf`,
    );
    expect(sha256(Buffer.from(await response.arrayBuffer()))).toBe(sha256(bytes));

    const inline = await storage.signedUrl(key, {
      expiresInSeconds: 60,
      fileName: 'photo.png',
      contentType: 'image/png',
      inline: true,
    });
    const shown = await fetch(inline);
    await shown.arrayBuffer();
    expect(shown.headers.get('content-disposition')).toMatch(/^inline; filename="photo.png"/);
  });

  it('refuses the URL with one character of its signature changed', async () => {
    const url = new URL(
      await storage.signedUrl(key, { expiresInSeconds: 60, fileName: 'a.bin', contentType: 'application/pdf' }),
    );
    const signature = url.searchParams.get('X-Amz-Signature') ?? '';
    expect(signature).toMatch(/^[0-9a-f]{64}$/);
    url.searchParams.set('X-Amz-Signature', `${signature.slice(0, -1)}${signature.endsWith('0') ? '1' : '0'}`);
    const response = await fetch(url);
    await response.arrayBuffer();
    expect(response.status).toBe(403);
  });

  it('refuses the URL with the response type changed', async () => {
    const url = new URL(
      await storage.signedUrl(key, { expiresInSeconds: 60, fileName: 'a.bin', contentType: 'application/pdf' }),
    );
    url.searchParams.set('response-content-type', 'text/html');
    const response = await fetch(url);
    await response.arrayBuffer();
    expect(response.status).toBe(403);
  });

  it('refuses an expired URL (signed in the past rather than waited for)', async () => {
    const options = { expiresInSeconds: 60, fileName: 'a.bin', contentType: 'text/plain' };
    const expired = await storage.signedUrl(key, { ...options, signedAt: new Date(Date.now() - 120_000) });
    const refused = await fetch(expired);
    await refused.arrayBuffer();
    expect(refused.status).toBe(403);
    // The same signature a minute younger is still good: the refusal is the expiry, nothing else.
    const fresh = await storage.signedUrl(key, { ...options, signedAt: new Date(Date.now() - 30_000) });
    const served = await fetch(fresh);
    await served.arrayBuffer();
    expect(served.status).toBe(200);
  });

  it('signs download URLs for the public endpoint when one is set, and they work there', async () => {
    const internal = new URL(inject('s3').endpoint);
    // The same server under another name, as browsers would reach it from outside a network.
    const publicEndpoint = `http://localhost:${internal.port}`;
    const split = new S3ObjectStorage({ ...s3Options(bucket), publicEndpoint });
    const url = new URL(
      await split.signedUrl(key, { expiresInSeconds: 60, fileName: 'a.bin', contentType: 'text/plain' }),
    );
    expect(url.origin).toBe(publicEndpoint);
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(sha256(Buffer.from(await response.arrayBuffer()))).toBe(sha256(bytes));
    // Signed for that host: the same URL sent to the internal name is refused.
    const elsewhere = new URL(url);
    elsewhere.host = internal.host;
    const refused = await fetch(elsewhere);
    await refused.arrayBuffer();
    expect(refused.status).toBe(403);
  });

  it('cannot write with a wrong secret: the server checks signatures', async () => {
    const forged = new S3ObjectStorage(s3Options(bucket, `${inject('s3').secretAccessKey}x`));
    const forgedKey = keyFor('');
    const refused = await forged.put(forgedKey, Buffer.from('forged'), { contentType: 'text/plain' }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(S3ServiceException);
    expect((refused as S3ServiceException).$metadata.httpStatusCode).toBe(403);
    await expect(forged.get(key)).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
    await expect(storage.get(forgedKey)).rejects.toBeInstanceOf(StorageNotFoundError);
  });
});

describe('createStorage', () => {
  it('picks the driver STORAGE_DRIVER names', () => {
    const local = createStorage(loadConfig({}), { dataDir: localRoot, baseUrl: 'http://127.0.0.1:3000' });
    expect(local.driver).toBe('local');
    const s3 = inject('s3');
    const config = loadConfig({
      STORAGE_DRIVER: 's3',
      S3_ENDPOINT: s3.endpoint,
      S3_BUCKET: bucket,
      S3_ACCESS_KEY_ID: s3.accessKeyId,
      S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
    });
    expect(createStorage(config, { dataDir: localRoot, baseUrl: 'http://127.0.0.1:3000' }).driver).toBe('s3');
  });

  it('puts local files under <dataDir>/storage', async () => {
    const dataDir = join(localRoot, 'data-dir');
    const storage = createStorage(loadConfig({}), { dataDir, baseUrl: 'http://127.0.0.1:3000' });
    await storage.ensureReady();
    await storage.put('files/ef/0123456789abcdef01234567', Buffer.from('x'), { contentType: 'text/plain' });
    expect(existsSync(join(dataDir, 'storage', 'files', 'ef', '0123456789abcdef01234567'))).toBe(true);
  });
});
