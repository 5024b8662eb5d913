import { z } from 'zod';
import { ERROR_CODE_LIST } from './error-codes.js';

/** The error body of every failed request (spec 7.1). */
export const ApiErrorBody = z
  .object({
    code: z.enum(ERROR_CODE_LIST).meta({ description: 'Machine-readable error code; stable across versions.' }),
    message: z.string().meta({ description: 'Human-readable explanation.' }),
    details: z.unknown().optional().meta({ description: 'Context a client can act on (fields, conflicts, limits).' }),
    timestamp: z.string().meta({ description: 'When the error happened, ISO 8601 UTC.' }),
    requestId: z.string().meta({ description: 'The request id, also sent as the x-request-id header.' }),
    path: z.string().meta({ description: 'The path that was requested.' }),
  })
  .meta({ id: 'ApiErrorBody' });

export const ApiErrorResponse = z
  .object({
    success: z.literal(false),
    error: ApiErrorBody,
  })
  .meta({ id: 'ApiErrorResponse', description: 'The standard error envelope (spec 7.1).' });

export type ApiErrorBody = z.infer<typeof ApiErrorBody>;
export type ApiErrorResponse = z.infer<typeof ApiErrorResponse>;

/** One problem with one input field, as carried in VALIDATION_FAILED details. */
export interface FieldIssue {
  path: string;
  message: string;
  code: string;
}
