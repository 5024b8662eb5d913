import type { FastifyInstance } from 'fastify';
import { bearer, type Session } from './auth-helpers.js';

/**
 * One file (the form field `file`) uploaded as a browser sends it, to a REST
 * path under /api/v1. The server decides the type from the bytes, so the
 * declared `contentType` rarely matters.
 */
export function uploadFile(
  app: FastifyInstance,
  session: Pick<Session, 'accessToken'>,
  url: string,
  file: Buffer,
  options: { fileName?: string; contentType?: string } = {},
) {
  const boundary = '----seedpmsupload';
  const head =
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${options.fileName ?? 'file'}"\r\n` +
    `Content-Type: ${options.contentType ?? 'application/octet-stream'}\r\n\r\n`;
  return app.inject({
    method: 'POST',
    url: `/api/v1${url}`,
    headers: { ...bearer(session), 'content-type': `multipart/form-data; boundary=${boundary}` },
    payload: Buffer.concat([Buffer.from(head), file, Buffer.from(`\r\n--${boundary}--\r\n`)]),
  });
}
