import {
  type ApiErrorBody,
  type ApiErrorResponse,
  type ErrorCode,
  errorCodeForStatus,
  type FieldIssue,
  httpStatusOf,
  isDomainError,
} from '@seed-pms/domain';
import { TRPCError } from '@trpc/server';
import { ZodError } from 'zod';

/** What we tell the client about a failure, before the request details are added. */
export interface DescribedError {
  status: number;
  code: ErrorCode;
  message: string;
  details?: unknown;
  /** True for failures that are our fault: logged with their stack, never explained to the client. */
  internal: boolean;
}

const TRPC_STATUS: Partial<Record<TRPCError['code'], number>> = {
  PARSE_ERROR: 400,
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_SUPPORTED: 405,
  TIMEOUT: 408,
  CONFLICT: 409,
  PRECONDITION_FAILED: 412,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNPROCESSABLE_CONTENT: 422,
  TOO_MANY_REQUESTS: 429,
  CLIENT_CLOSED_REQUEST: 499,
  INTERNAL_SERVER_ERROR: 500,
  NOT_IMPLEMENTED: 501,
  BAD_GATEWAY: 502,
  SERVICE_UNAVAILABLE: 503,
  GATEWAY_TIMEOUT: 504,
};

const STATUS_TRPC = new Map<number, TRPCError['code']>();
for (const [code, status] of Object.entries(TRPC_STATUS)) {
  // The first code listed for a status wins, except that 400 is BAD_REQUEST (not PARSE_ERROR).
  if (!STATUS_TRPC.has(status)) STATUS_TRPC.set(status, code as TRPCError['code']);
}
STATUS_TRPC.set(400, 'BAD_REQUEST');

/** The tRPC code for each HTTP status we answer with, so tRPC clients see the same status. */
export function trpcCodeForStatus(status: number): TRPCError['code'] {
  return STATUS_TRPC.get(status) ?? (status >= 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST');
}

/** Zod's issues as the envelope's field issues; a custom check may name its own code (`params.reason`). */
export function zodIssues(error: ZodError): FieldIssue[] {
  return error.issues.map((issue) => {
    const reason = issue.code === 'custom' ? (issue.params as { reason?: unknown } | undefined)?.reason : undefined;
    return {
      path: issue.path.map(String).join('.'),
      message: issue.message,
      code: typeof reason === 'string' ? reason : issue.code,
    };
  });
}

const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'MALFORMED_REQUEST',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'MALFORMED_REQUEST',
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'MALFORMED_REQUEST',
  FST_REQ_FILE_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_FILES_LIMIT: 'PAYLOAD_TOO_LARGE',
  FST_PARTS_LIMIT: 'PAYLOAD_TOO_LARGE',
  FST_INVALID_MULTIPART_CONTENT_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
};

const INTERNAL: DescribedError = {
  status: 500,
  code: 'INTERNAL_ERROR',
  message: 'Something went wrong on our side; the request id identifies it in our logs',
  internal: true,
};

/**
 * The one mapping from anything thrown to what the client sees: domain errors
 * keep their code; input validation becomes VALIDATION_FAILED with the field
 * issues; framework errors keep their status; everything else is a 500 that
 * says nothing about internals.
 */
export function describeError(error: unknown): DescribedError {
  if (isDomainError(error)) {
    return {
      status: typeof error.status === 'number' ? error.status : httpStatusOf(error.code),
      code: error.code,
      message: error.message,
      details: error.details,
      internal: false,
    };
  }
  if (error instanceof ZodError) {
    return {
      status: 400,
      code: 'VALIDATION_FAILED',
      message: 'The input is not valid',
      details: zodIssues(error),
      internal: false,
    };
  }
  if (error instanceof TRPCError) {
    if (isDomainError(error.cause)) return describeError(error.cause);
    // A ZodError is the caller's fault only as input validation (BAD_REQUEST); a failed
    // output schema is ours (INTERNAL_SERVER_ERROR) and must not explain itself.
    if (error.code === 'BAD_REQUEST' && error.cause instanceof ZodError) return describeError(error.cause);
    const status = TRPC_STATUS[error.code] ?? 500;
    if (status >= 500) return INTERNAL;
    return { status, code: errorCodeForStatus(status), message: error.message, internal: false };
  }
  if (error instanceof Error) {
    const e = error as Error & { statusCode?: number; code?: string; validation?: unknown };
    const status = typeof e.statusCode === 'number' ? e.statusCode : undefined;
    if (status !== undefined && status >= 400 && status < 500) {
      const code = (e.code ? FASTIFY_CODES[e.code] : undefined) ?? errorCodeForStatus(status);
      if (e.validation)
        return { status: 400, code: 'VALIDATION_FAILED', message: e.message, details: e.validation, internal: false };
      return { status, code, message: e.message, internal: false };
    }
    if (status === 503) return { status, code: 'SERVICE_UNAVAILABLE', message: 'Service unavailable', internal: true };
  }
  return INTERNAL;
}

/**
 * Seconds a client should wait before trying again, when the failure says
 * (`details.retryAfterSeconds`: rate limits, lockouts, a busy resource). Both
 * edges turn it into a `Retry-After` header.
 */
export function retryAfterOf(described: DescribedError): number | undefined {
  const details = described.details as { retryAfterSeconds?: unknown } | undefined;
  const seconds = details?.retryAfterSeconds;
  return typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0 ? Math.ceil(seconds) : undefined;
}

/** The path of a request URL, without its query string. */
export function pathOf(url: string): string {
  const end = url.indexOf('?');
  return end === -1 ? url : url.slice(0, end);
}

export interface RequestFacts {
  requestId: string;
  path: string;
}

export function errorBody(described: DescribedError, request: RequestFacts, now = new Date()): ApiErrorBody {
  return {
    code: described.code,
    message: described.message,
    ...(described.details === undefined ? {} : { details: described.details }),
    timestamp: now.toISOString(),
    requestId: request.requestId,
    path: request.path,
  };
}

export function errorResponse(described: DescribedError, request: RequestFacts): ApiErrorResponse {
  return { success: false, error: errorBody(described, request) };
}
