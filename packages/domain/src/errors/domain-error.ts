import { type ErrorCode, httpStatusOf } from './error-codes.js';
import type { FieldIssue } from './error-envelope.js';

/**
 * A failure the caller can act on: a stable code, a human message and optional
 * details (which allocations overlap, how many days are left, which field).
 * Thrown by domain and data code; mapped to HTTP/tRPC once, at the edge.
 */
export class DomainError extends Error {
  override readonly name = 'DomainError';
  readonly code: ErrorCode;
  readonly details: unknown;
  /**
   * The HTTP status, when it is not the code's usual one. Only for codes whose
   * meaning depends on the request: a wrong password is an authentication
   * failure on sign-in (401) but not on a signed-in user's re-confirmation
   * (403), where a 401 would make clients refresh and retry.
   */
  private readonly statusOverride: number | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    details?: unknown,
    options?: { cause?: unknown; status?: 400 | 401 | 403 | 409 | 422 },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = details;
    this.statusOverride = options?.status;
  }

  get status(): number {
    return this.statusOverride ?? httpStatusOf(this.code);
  }
}

export function isDomainError(error: unknown): error is DomainError {
  return error instanceof DomainError || (error instanceof Error && error.name === 'DomainError' && 'code' in error);
}

export const notFound = (resource: string, id?: string): DomainError =>
  new DomainError('NOT_FOUND', `${resource} not found`, id === undefined ? undefined : { resource, id });

export const forbidden = (message = 'You are not allowed to do this'): DomainError =>
  new DomainError('FORBIDDEN', message);

export const versionConflict = (resource: string, id: string, expected: number, current: number): DomainError =>
  new DomainError(
    'VERSION_CONFLICT',
    `${resource} was changed by someone else (you had version ${expected}, it is now ${current}); reload and try again`,
    { resource, id, expectedVersion: expected, currentVersion: current },
  );

/**
 * 400 VALIDATION_FAILED with the fields that are wrong, the same shape input
 * validation answers (`[{ path, message, code }]`), for checks a schema cannot
 * make (they need the stored state or the clock).
 */
export const validationFailed = (message: string, issues: readonly FieldIssue[]): DomainError =>
  new DomainError('VALIDATION_FAILED', message, issues);
