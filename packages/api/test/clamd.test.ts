import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import { Readable } from 'node:stream';
import { freePort } from '@seed-pms/db/embedded';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseClamdUrl, ping, ScannerUnavailableError, scanStream } from '../src/files/clamd.js';
import { EICAR, EICAR_SIGNATURE, type RunningClamd, startClamd } from './servers/clamd.js';
import type {} from './servers/provided.js';

/** `size` random bytes as a stream of 256 KiB chunks. */
function randomStream(size: number): Readable {
  return Readable.from(
    (function* () {
      for (let left = size; left > 0; left -= 256 * 1024) yield randomBytes(Math.min(left, 256 * 1024));
    })(),
  );
}

describe('clamd client', () => {
  const url = inject('clamavUrl');

  it('answers PING', async () => {
    await expect(ping(url)).resolves.toBeUndefined();
  });

  it('flags the EICAR test file with its signature name', async () => {
    const result = await scanStream(url, EICAR);
    expect(result.status).toBe('infected');
    expect(result.status === 'infected' && result.signature).toMatch(new RegExp(`^${EICAR_SIGNATURE}`));
  });

  it('passes a clean buffer and a 5 MB clean stream', async () => {
    await expect(scanStream(url, Buffer.from('%PDF-1.7 a perfectly ordinary document'))).resolves.toEqual({
      status: 'clean',
    });
    await expect(scanStream(url, randomStream(5 * 1024 * 1024))).resolves.toEqual({ status: 'clean' });
  });

  it('finds EICAR inside a larger file, past the first chunks', async () => {
    const result = await scanStream(url, Buffer.concat([Buffer.alloc(1024 * 1024), EICAR]));
    expect(result).toMatchObject({ status: 'infected' });
  });

  it('says the scanner is unavailable when nothing listens', async () => {
    const closed = `tcp://127.0.0.1:${await freePort()}`;
    await expect(scanStream(closed, Buffer.from('x'))).rejects.toBeInstanceOf(ScannerUnavailableError);
    await expect(ping(closed)).rejects.toBeInstanceOf(ScannerUnavailableError);
  });

  it('gives up on a server that never answers', async () => {
    const silent: Server = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const address = silent.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      const started = Date.now();
      await expect(scanStream(`tcp://127.0.0.1:${port}`, EICAR, { timeoutMs: 300 })).rejects.toThrow(
        /no answer within 300 ms/,
      );
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      silent.close();
    }
  });

  it('passes on the failure of the input stream itself', async () => {
    const failing = Readable.from(
      (async function* () {
        yield randomBytes(1000);
        throw new Error('upload aborted');
      })(),
    );
    await expect(scanStream(url, failing)).rejects.toThrow('upload aborted');
  });

  it('takes only tcp://host:port addresses', () => {
    expect(parseClamdUrl('tcp://127.0.0.1:3310')).toEqual({ host: '127.0.0.1', port: 3310 });
    expect(parseClamdUrl('tcp://[::1]:3310')).toEqual({ host: '::1', port: 3310 });
    expect(() => parseClamdUrl('tcp://127.0.0.1')).toThrow();
    expect(() => parseClamdUrl('http://127.0.0.1:3310')).toThrow();
  });
});

// Starts a clamd of its own with a small limit (scripts/build-test-tools.sh installs clamd).
describe('clamd with a StreamMaxLength smaller than the upload', () => {
  let small: RunningClamd | undefined;
  beforeAll(async () => {
    small = await startClamd({ streamMaxLength: '1M' });
  });
  afterAll(async () => {
    await small?.stop();
  });

  it('reports the refused stream as the scanner being unavailable, never as clean', async () => {
    const url = small?.url ?? '';
    // clamd replies "INSTREAM size limit exceeded" and hangs up; the reset that
    // follows sometimes discards the reply before it is read.
    const tooLong = /size limit exceeded|StreamMaxLength/;
    for (const input of [randomStream(3 * 1024 * 1024), Buffer.alloc(3 * 1024 * 1024)]) {
      const error = await scanStream(url, input).then(
        () => undefined,
        (reason: unknown) => reason,
      );
      expect(error).toBeInstanceOf(ScannerUnavailableError);
      expect(String(error)).toMatch(tooLong);
    }
    await expect(scanStream(url, EICAR)).resolves.toMatchObject({ status: 'infected' });
  });
});
