import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  assertStorageKey,
  isValidStorageKey,
  type ObjectStorage,
  type SignedUrlOptions,
  StorageNotFoundError,
} from './storage.js';

/** The API route that serves signed local downloads (see verifyLocalSignedUrl). */
export const LOCAL_BLOB_PATH = '/api/v1/files/blob';

export interface LocalStorageOptions {
  /** The directory objects live under (`<DATA_DIR>/files`); created by ensureReady. */
  root: string;
  /** Signs download URLs (FILE_URL_SECRET). */
  urlSecret: string;
  /** The API's public origin, e.g. `https://pms.example.com`; download URLs start with it. */
  baseUrl: string;
  /**
   * Flush each object and its directory to disk before put resolves, so an
   * object the database already points at survives a power cut. Default true.
   */
  fsync?: boolean;
  /** The clock signed URLs expire by. */
  now?: () => Date;
}

/**
 * Objects as plain files: `<root>/<key>`. A put writes a temp file next to the
 * target and renames it over, so readers see the old object or the new one,
 * never half of one. Downloads go through the API route at LOCAL_BLOB_PATH,
 * authorised by an HMAC in the URL instead of a session, which is what S3's
 * presigned URLs do for the other driver.
 */
export class LocalObjectStorage implements ObjectStorage {
  readonly driver = 'local';
  private readonly root: string;
  private readonly fsync: boolean;
  private readonly now: () => Date;

  constructor(private readonly options: LocalStorageOptions) {
    this.root = resolve(options.root);
    this.fsync = options.fsync ?? true;
    this.now = options.now ?? (() => new Date());
  }

  async ensureReady(): Promise<void> {
    await mkdir(this.root, { recursive: true });
  }

  async put(key: string, body: Readable | Buffer, meta: { contentType: string; size?: number }): Promise<void> {
    const path = this.pathOf(key);
    const dir = dirname(path);
    await mkdir(dir, { recursive: true });
    const temp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      const source = Buffer.isBuffer(body) ? Readable.from([body]) : body;
      await pipeline(source, createWriteStream(temp, { flags: 'wx', flush: this.fsync }));
      if (meta.size !== undefined) {
        const written = (await stat(temp)).size;
        if (written !== meta.size) throw new Error(`put ${key}: got ${written} bytes, expected ${meta.size}`);
      }
      await rename(temp, path);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
    if (this.fsync) await syncDirectory(dir);
  }

  async get(key: string): Promise<Readable> {
    const path = this.pathOf(key);
    const handle = await open(path, 'r').catch((error: unknown) => {
      if (isMissing(error)) throw new StorageNotFoundError(key);
      throw error;
    });
    if (!(await handle.stat()).isFile()) {
      await handle.close();
      throw new StorageNotFoundError(key);
    }
    return handle.createReadStream();
  }

  async delete(key: string): Promise<void> {
    await unlink(this.pathOf(key)).catch((error: unknown) => {
      if (!isMissing(error)) throw error;
    });
  }

  async signedUrl(key: string, options: SignedUrlOptions): Promise<string> {
    assertStorageKey(key);
    const fields: SignedFields = {
      key,
      expires: String(Math.floor((options.signedAt ?? this.now()).getTime() / 1000) + options.expiresInSeconds),
      fileName: options.fileName,
      contentType: options.contentType,
      inline: options.inline ?? false,
    };
    const query = signedQuery(fields, this.options.urlSecret);
    return `${this.options.baseUrl.replace(/\/+$/, '')}${LOCAL_BLOB_PATH}?${query}`;
  }

  /** The file for a key, refusing anything that would resolve outside the root. */
  private pathOf(key: string): string {
    assertStorageKey(key);
    const path = resolve(this.root, key);
    if (!path.startsWith(this.root + sep)) throw new Error(`storage key ${key} resolves outside the storage root`);
    return path;
  }
}

export interface SignedFields {
  key: string;
  /** Unix seconds, as written in the URL. */
  expires: string;
  fileName: string;
  contentType: string;
  inline: boolean;
}

/**
 * The MAC covers every field the route acts on, so none can be swapped: not
 * the object, not the lifetime, and not the name or type either (a changed
 * type could turn a download into a page rendered on our origin). JSON keeps
 * the fields apart whatever characters they hold.
 */
function sign(fields: SignedFields, secret: string): string {
  const payload = JSON.stringify([
    'seed-pms/file-url/v1',
    fields.key,
    fields.expires,
    fields.inline ? 'inline' : 'attachment',
    fields.fileName,
    fields.contentType,
  ]);
  return createHmac('sha256', secret).update(payload).digest('base64url');
}

/**
 * The query of a signed link to a stored object (what signedUrl appends to
 * LOCAL_BLOB_PATH). Other routes that serve stored objects by link (the
 * personal-data export's ZIP) sign with it and check with verifyLocalSignedUrl.
 */
export function signedQuery(fields: SignedFields, secret: string): URLSearchParams {
  return new URLSearchParams({
    key: fields.key,
    expires: fields.expires,
    name: fields.fileName,
    type: fields.contentType,
    ...(fields.inline ? { inline: '1' } : {}),
    signature: sign(fields, secret),
  });
}

export type LocalSignedUrlCheck =
  | { key: string; fileName: string; contentType: string; inline: boolean }
  | { error: 'expired' | 'invalid' };

/**
 * Checks the query of a URL made by LocalObjectStorage.signedUrl. A URL whose
 * signature does not match is 'invalid' even when it has also expired, so a
 * caller learns nothing about forged URLs beyond "no".
 */
export function verifyLocalSignedUrl(
  query: Record<string, unknown>,
  secret: string,
  now: Date = new Date(),
): LocalSignedUrlCheck {
  const { key, expires, name, type, signature, inline } = query;
  if (
    typeof key !== 'string' ||
    typeof expires !== 'string' ||
    typeof name !== 'string' ||
    typeof type !== 'string' ||
    typeof signature !== 'string' ||
    (inline !== undefined && inline !== '1') ||
    !/^\d{1,12}$/.test(expires)
  ) {
    return { error: 'invalid' };
  }
  const fields: SignedFields = { key, expires, fileName: name, contentType: type, inline: inline === '1' };
  const expected = Buffer.from(sign(fields, secret));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { error: 'invalid' };
  if (!isValidStorageKey(key)) return { error: 'invalid' };
  if (Number(expires) * 1000 < now.getTime()) return { error: 'expired' };
  return { key, fileName: name, contentType: type, inline: fields.inline };
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** Makes a rename in this directory durable (the file's own data was flushed before). */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
