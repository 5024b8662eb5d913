/**
 * The public error codes of the API. Codes are a contract with clients: add new
 * ones, never rename or reuse. Each maps to exactly one HTTP status (spec 7.2),
 * which both the REST adapter and tRPC error data use.
 */
export const ERROR_CODES = {
  // 400: the request itself is wrong
  VALIDATION_FAILED: 400,
  MALFORMED_REQUEST: 400,
  INVALID_ID: 400,
  /** A reset, invite or similar token that is unknown, used or expired. */
  INVALID_TOKEN: 400,
  // 401
  UNAUTHENTICATED: 401,
  INVALID_CREDENTIALS: 401,
  /** The account has MFA: repeat the login with `mfaCode`. */
  MFA_REQUIRED: 401,
  INVALID_MFA_CODE: 401,
  // 403: not allowed, or a rule forbids it
  FORBIDDEN: 403,
  CSRF_FAILED: 403,
  ACCOUNT_LOCKED: 403,
  /** Only the auth routes answer until the user sets a new password. */
  PASSWORD_CHANGE_REQUIRED: 403,
  /** Only the auth routes answer until the user enrols in MFA (admin policy for Admin and HR). */
  MFA_SETUP_REQUIRED: 403,
  // 404
  NOT_FOUND: 404,
  ROUTE_NOT_FOUND: 404,
  // 405
  METHOD_NOT_ALLOWED: 405,
  // 409: the state of the resource conflicts with the request
  CONFLICT: 409,
  ALREADY_EXISTS: 409,
  VERSION_CONFLICT: 409,
  CAPACITY_EXCEEDED: 409,
  IDEMPOTENCY_IN_PROGRESS: 409,
  /** Something still points at the resource (a catalog item in use); details count the references by place. */
  IN_USE: 409,
  /** The file is still being scanned for viruses; try again shortly. */
  FILE_NOT_READY: 409,
  // 413, 415: what Fastify refuses before a procedure runs
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  // 422: well-formed, but business logic refuses it
  UNPROCESSABLE: 422,
  INVALID_STATE: 422,
  INSUFFICIENT_BALANCE: 422,
  /** A new password fails the password policy; details list the reasons. */
  WEAK_PASSWORD: 422,
  IDEMPOTENCY_KEY_REUSED: 422,
  /** The change would make someone their own (indirect) manager. */
  REPORTING_CYCLE: 422,
  /** The file was found infected and is quarantined: it is never served. */
  FILE_QUARANTINED: 422,
  // 429
  RATE_LIMITED: 429,
  // 5xx
  INTERNAL_ERROR: 500,
  UPSTREAM_FAILED: 502,
  SERVICE_UNAVAILABLE: 503,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof ERROR_CODES;
export type ErrorStatus = (typeof ERROR_CODES)[ErrorCode];

export const ERROR_CODE_LIST = Object.keys(ERROR_CODES) as ErrorCode[];

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}

export function httpStatusOf(code: ErrorCode): ErrorStatus {
  return ERROR_CODES[code];
}

/** The code used when only an HTTP status is known (e.g. a framework error). */
export function errorCodeForStatus(status: number): ErrorCode {
  switch (status) {
    case 400:
      return 'MALFORMED_REQUEST';
    case 401:
      return 'UNAUTHENTICATED';
    case 403:
      return 'FORBIDDEN';
    case 404:
      return 'NOT_FOUND';
    case 405:
      return 'METHOD_NOT_ALLOWED';
    case 409:
      return 'CONFLICT';
    case 413:
      return 'PAYLOAD_TOO_LARGE';
    case 415:
      return 'UNSUPPORTED_MEDIA_TYPE';
    case 422:
      return 'UNPROCESSABLE';
    case 429:
      return 'RATE_LIMITED';
    case 502:
      return 'UPSTREAM_FAILED';
    case 503:
      return 'SERVICE_UNAVAILABLE';
    default:
      return status >= 400 && status < 500 ? 'MALFORMED_REQUEST' : 'INTERNAL_ERROR';
  }
}
