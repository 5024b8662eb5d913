import { type ErrorCode, httpStatusOf } from './error-codes.js';

/**
 * A failure the caller can act on: a stable code, a human message and optional
 * details (which allocations overlap, how many days are left, which field).
 * Thrown by domain and data code; mapped to HTTP/tRPC once, at the edge.
 */
export class DomainError extends Error {
  override readonly name = 'DomainError';
  readonly code: ErrorCode;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, details?: unknown, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.details = details;
  }

  get status(): number {
    return httpStatusOf(this.code);
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
