import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline as connectStreams, PassThrough, Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import {
  assertStorageKey,
  contentDisposition,
  type ObjectStorage,
  type SignedUrlOptions,
  StorageNotFoundError,
} from './storage.js';

export interface S3StorageOptions {
  /** An S3-compatible server (MinIO, versitygw, R2, …); AWS itself when omitted. */
  endpoint?: string;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** `https://host/bucket/key` instead of `https://bucket.host/key`; what most self-hosted servers need. */
  forcePathStyle: boolean;
  /**
   * Where browsers reach the server, when it differs from `endpoint` (the API
   * talks to `http://minio:9000` inside a network, browsers to
   * `https://files.example.com`): presigned URLs are signed for this host.
   */
  publicEndpoint?: string;
}

/**
 * Objects in one S3 bucket. Downloads never pass through the API: browsers get
 * a presigned GET URL that names the download and its type itself.
 */
export class S3ObjectStorage implements ObjectStorage {
  readonly driver = 's3';
  private readonly client: S3Client;
  /** Signs download URLs; the same client unless a public endpoint is set. */
  private readonly signer: S3Client;
  private readonly bucket: string;

  constructor(options: S3StorageOptions) {
    this.bucket = options.bucket;
    this.client = S3ObjectStorage.clientFor(options, options.endpoint);
    this.signer = options.publicEndpoint ? S3ObjectStorage.clientFor(options, options.publicEndpoint) : this.client;
  }

  private static clientFor(options: S3StorageOptions, endpoint: string | undefined): S3Client {
    return new S3Client({
      ...(endpoint ? { endpoint } : {}),
      region: options.region,
      credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
      forcePathStyle: options.forcePathStyle,
      // A dead or stalled server should fail a request within seconds, not hang an upload forever.
      requestHandler: { connectionTimeout: 5_000, socketTimeout: 30_000 },
      // Without a logger the SDK writes some warnings to the console; every
      // failure it would warn about reaches the caller as an error anyway.
      logger: silentLogger,
    });
  }

  async ensureReady(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
      return;
    } catch (error) {
      if (statusOf(error) !== 404) throw error;
    }
    try {
      await this.client.send(new CreateBucketCommand({ Bucket: this.bucket }));
    } catch (error) {
      // Another instance starting at the same moment created it first.
      if (!(error instanceof S3ServiceException && error.name === 'BucketAlreadyOwnedByYou')) throw error;
    }
  }

  async put(key: string, body: Readable | Buffer, meta: { contentType: string; size?: number }): Promise<void> {
    assertStorageKey(key);
    if (Buffer.isBuffer(body)) {
      if (meta.size !== undefined && meta.size !== body.length) {
        throw new Error(`put ${key}: got ${body.length} bytes, expected ${meta.size}`);
      }
      await this.putObject(key, body, body.length, meta.contentType);
      return;
    }
    if (meta.size !== undefined) {
      await this.putStream(key, body, meta.size, meta.contentType);
      return;
    }
    // A single PUT must state its length up front. Uploads are small (tens of
    // MB at most), so spooling to a temp file is simpler than a multipart
    // upload and keeps memory flat.
    const dir = await mkdtemp(join(tmpdir(), 'seed-s3-put-'));
    try {
      const file = join(dir, 'body');
      await pipeline(body, createWriteStream(file));
      const { size } = await stat(file);
      await this.putStream(key, createReadStream(file), size, meta.contentType);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async get(key: string): Promise<Readable> {
    assertStorageKey(key);
    try {
      const output = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      const body = output.Body;
      if (body instanceof Readable) return body;
      if (body && 'transformToWebStream' in body) {
        return Readable.fromWeb(body.transformToWebStream() as Parameters<typeof Readable.fromWeb>[0]);
      }
      throw new Error(`get ${key}: the S3 response has no body`);
    } catch (error) {
      if (isNotFound(error)) throw new StorageNotFoundError(key);
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    assertStorageKey(key);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  async signedUrl(key: string, options: SignedUrlOptions): Promise<string> {
    assertStorageKey(key);
    const command = new GetObjectCommand({
      Bucket: this.bucket,
      Key: key,
      ResponseContentDisposition: contentDisposition(options.fileName, options.inline),
      ResponseContentType: options.contentType,
    });
    return getSignedUrl(this.signer, command, {
      expiresIn: options.expiresInSeconds,
      ...(options.signedAt ? { signingDate: options.signedAt } : {}),
    });
  }

  /**
   * The SDK pipes a stream body into the request with `pipe`, which does not
   * pass on the body's errors: a failing source would leave the request waiting
   * for bytes that never come, and the SDK's own wrapper streams re-emit the
   * error where nothing listens for it. So the SDK gets a stream that never
   * fails; when the source fails (or has a length other than announced) the
   * request is aborted instead, the put rejects with the source's error, and
   * the server stores nothing from a request that did not complete.
   */
  private async putStream(key: string, body: Readable, size: number, contentType: string): Promise<void> {
    const abort = new AbortController();
    const counted = exactLength(size, key);
    connectStreams(body, counted, (error) => {
      if (error) abort.abort(error);
    });
    const feed = new PassThrough();
    counted.pipe(feed);
    try {
      await this.putObject(key, feed, size, contentType, abort.signal);
    } catch (error) {
      counted.destroy(); // stops reading the source when the server gave up first
      throw abort.signal.aborted ? abort.signal.reason : error;
    }
  }

  private async putObject(
    key: string,
    body: Buffer | Readable,
    size: number,
    contentType: string,
    abortSignal?: AbortSignal,
  ): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: body,
        ContentLength: size,
        ContentType: contentType,
      }),
      abortSignal ? { abortSignal } : {},
    );
  }
}

const silentLogger = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };

/** Passes bytes through and fails when there are more or fewer than `size`. */
function exactLength(size: number, key: string): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      if (seen > size) callback(new Error(`put ${key}: got more than the ${size} bytes announced`));
      else callback(null, chunk);
    },
    flush(callback) {
      callback(seen === size ? null : new Error(`put ${key}: got ${seen} bytes, expected ${size}`));
    },
  });
}

function statusOf(error: unknown): number | undefined {
  return error instanceof S3ServiceException ? error.$metadata.httpStatusCode : undefined;
}

/** A missing object; a missing bucket is a configuration error and stays one. */
function isNotFound(error: unknown): boolean {
  if (!(error instanceof S3ServiceException) || error.name === 'NoSuchBucket') return false;
  return error.name === 'NoSuchKey' || error.$metadata.httpStatusCode === 404;
}
