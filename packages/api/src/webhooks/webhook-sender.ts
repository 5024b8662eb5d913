import { createHmac } from 'node:crypto';
import type { LookupAddress, LookupOptions } from 'node:dns';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AttemptResult } from '@seed-pms/domain';

export const WEBHOOK_USER_AGENT = 'SeedPMS-Webhooks/1';
/** The most of a receiver's answer read (and thrown away): a receiver cannot hold the sender with a huge body. */
const MAX_RESPONSE_BYTES = 64 * 1024;

/** `v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`: the Webhook-Signature header. */
export function signatureOf(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export interface SignedRequest {
  url: string;
  body: string;
  eventId: string;
  secret: string;
  /** Unix seconds, from the caller's clock. */
  timestamp: number;
  /** The address the guard checked: the connection goes there and nowhere else. */
  address: string;
  family: 4 | 6;
  timeoutMs: number;
}

/**
 * POSTs one signed delivery. Redirects are not followed (a 3xx is a failed
 * attempt), the whole exchange has `timeoutMs`, and the host's name is
 * resolved to the pinned address only (TLS still checks the certificate for
 * the name).
 */
export function sendSigned(req: SignedRequest): Promise<AttemptResult> {
  const url = new URL(req.url);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const pinned = (
    _host: string,
    options: LookupOptions,
    callback: (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
  ) => {
    if (options.all) callback(null, [{ address: req.address, family: req.family }]);
    else callback(null, req.address, req.family);
  };
  return new Promise<AttemptResult>((resolve) => {
    let settled = false;
    const finish = (result: AttemptResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const outgoing = send(
      url,
      {
        method: 'POST',
        lookup: pinned as never,
        headers: {
          'content-type': 'application/json',
          'user-agent': WEBHOOK_USER_AGENT,
          'webhook-id': req.eventId,
          'webhook-timestamp': String(req.timestamp),
          'webhook-signature': signatureOf(req.secret, req.timestamp, req.body),
          'content-length': Buffer.byteLength(req.body),
        },
      },
      (response) => {
        const status = response.statusCode ?? 0;
        let read = 0;
        response.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > MAX_RESPONSE_BYTES) response.destroy();
        });
        const done = () =>
          finish(
            status >= 200 && status < 300
              ? { ok: true, statusCode: status }
              : {
                  ok: false,
                  statusCode: status,
                  error:
                    status >= 300 && status < 400
                      ? `HTTP ${status}: redirects are not followed`
                      : `HTTP ${status} ${response.statusMessage ?? ''}`.trim(),
                },
          );
        response.on('end', done);
        response.on('close', done);
        response.on('error', done);
      },
    );
    const timer = setTimeout(() => {
      outgoing.destroy(new Error(`no answer within ${req.timeoutMs} ms`));
    }, req.timeoutMs);
    outgoing.on('error', (error) => finish({ ok: false, statusCode: null, error: error.message }));
    outgoing.end(req.body);
  });
}
