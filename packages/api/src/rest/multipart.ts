import { DomainError } from '@seed-pms/domain';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { UploadedFile } from '../files/files.service.js';

/**
 * The input of an upload procedure: a form with a `file` field and the given
 * text fields. tRPC clients send a FormData (tRPC v11 passes it through
 * as-is); the REST route turns its multipart/form-data body into the same
 * FormData (formFromMultipart), adding the path parameters.
 */
/**
 * A form as the published types show it: a browser's FormData fits, and the
 * client's types do not depend on Node's own FormData.
 */
export interface FormLike {
  get(name: string): unknown;
}

export function multipartInput<S extends z.ZodRawShape>(shape: S) {
  return z
    .custom<FormLike>((value) => value instanceof FormData, {
      message: 'send a multipart form (FormData) with the file in the field "file"',
    })
    .transform((form) => {
      const fields: Record<string, unknown> = {};
      // The check above saw a real FormData.
      for (const [name, value] of (form as FormData).entries()) fields[name] = value;
      return fields;
    })
    .pipe(
      z.strictObject({
        ...shape,
        file: z
          .custom<UploadedFile>((value) => value instanceof File, {
            message: 'attach the file as the multipart field "file"',
          })
          .meta({ override: { type: 'string', format: 'binary' } }),
      }),
    );
}

/**
 * Reads a multipart/form-data request into a FormData. Files are buffered
 * within @fastify/multipart's limits (UPLOAD_MAX_BYTES; past it, 413), which
 * the file service narrows per purpose.
 */
export async function formFromMultipart(request: FastifyRequest, params: Record<string, string>): Promise<FormData> {
  if (!request.isMultipart()) {
    throw new DomainError('UNSUPPORTED_MEDIA_TYPE', 'Send the upload as multipart/form-data with a "file" field');
  }
  const form = new FormData();
  try {
    for await (const part of request.parts()) {
      if (part.type === 'file') {
        const bytes = await part.toBuffer();
        form.append(part.fieldname, new File([bytes], part.filename || 'upload', { type: part.mimetype }));
      } else {
        form.append(part.fieldname, String(part.value));
      }
    }
  } catch (error) {
    // Limits (413) and the like carry their status; a body cut short or garbled is the client's fault.
    if (typeof (error as { statusCode?: unknown }).statusCode === 'number') throw error;
    throw new DomainError('MALFORMED_REQUEST', 'The multipart body could not be read', {
      reason: error instanceof Error ? error.message.slice(0, 200) : 'unreadable',
    });
  }
  for (const [name, value] of Object.entries(params)) form.set(name, value);
  return form;
}

/**
 * For upload procedures over tRPC: reads the form before anything else, so a
 * body over the limit answers 413 and a garbled one 400 rather than failing
 * inside input parsing.
 */
export async function readFormInput(getRawInput: () => Promise<unknown>): Promise<void> {
  try {
    await getRawInput();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'PAYLOAD_TOO_LARGE') {
      throw new DomainError('PAYLOAD_TOO_LARGE', 'The upload is larger than the server accepts');
    }
    throw new DomainError('MALFORMED_REQUEST', 'The multipart body could not be read', {
      reason: error instanceof Error ? error.message.slice(0, 200) : 'unreadable',
    });
  }
}
