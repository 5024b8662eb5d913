/**
 * The public error codes of the API. Codes are a contract with clients: add new
 * ones, never rename or reuse. Each names one rule, so a client can tell which
 * rule refused it and act on `details`; each maps to one HTTP status (spec
 * 7.2), which both the REST adapter and tRPC error data use. The generic codes
 * (CONFLICT, INVALID_STATE, UNPROCESSABLE) stay valid but no rule of ours
 * answers them any more; the README's error table lists what replaced them.
 */
export const ERROR_CODES = {
  // 400: the request itself is wrong
  VALIDATION_FAILED: 400,
  MALFORMED_REQUEST: 400,
  /** No longer answered: a malformed id is a VALIDATION_FAILED issue of its field (404 in a REST path). */
  INVALID_ID: 400,
  /** A reset, invite or similar token that is unknown, used or expired. */
  INVALID_TOKEN: 400,
  // 401
  UNAUTHENTICATED: 401,
  INVALID_CREDENTIALS: 401,
  /** The account has MFA: repeat the login with `mfaCode`. */
  MFA_REQUIRED: 401,
  INVALID_MFA_CODE: 401,
  /** A one-click approval link that is unknown or was altered: nothing is said about any request. */
  LINK_INVALID: 401,
  /** A one-click approval link past its expiry; `details.expiredAt`. Decide in the app instead. */
  LINK_EXPIRED: 401,
  // 403: not allowed, or a rule forbids it
  FORBIDDEN: 403,
  /** A change of days before today (rosters): a correction only Managers and above make. */
  PAST_DAYS_NEED_MANAGER: 403,
  /** Accepting an allocation above availability (allowOverAllocation) needs a Manager or above. */
  OVER_ALLOCATION_NEEDS_MANAGER: 403,
  CSRF_FAILED: 403,
  /** The caller is not asked to decide this request now (not eligible at its current stage). */
  NOT_AN_APPROVER: 403,
  /** Nobody decides their own request, whatever roles they hold. */
  SELF_APPROVAL: 403,
  ACCOUNT_LOCKED: 403,
  /** Only the auth routes answer until the user sets a new password. */
  PASSWORD_CHANGE_REQUIRED: 403,
  /** An office day's punch from outside the office ranges and geofence, under the enforce policy. */
  LOCATION_NOT_ALLOWED: 403,
  /** Only the auth routes answer until the user enrols in MFA (admin policy for Admin and HR). */
  MFA_SETUP_REQUIRED: 403,
  // 404
  NOT_FOUND: 404,
  /** A personal-data export past its 7 days: its ZIP is deleted; `details.expiredAt`. Request a new one. */
  EXPORT_EXPIRED: 410,
  ROUTE_NOT_FOUND: 404,
  // 405
  METHOD_NOT_ALLOWED: 405,
  // 409: the state of the resource conflicts with the request
  CONFLICT: 409,
  /**
   * Another change of the same thing is in progress and did not finish within
   * a short wait; `details.retryAfterSeconds` (and Retry-After) say when to try again.
   */
  RESOURCE_BUSY: 409,
  ALREADY_EXISTS: 409,
  VERSION_CONFLICT: 409,
  CAPACITY_EXCEEDED: 409,
  IDEMPOTENCY_IN_PROGRESS: 409,
  /** Something still points at the resource (a catalog item in use); details count the references by place. */
  IN_USE: 409,
  /** The file is still being scanned for viruses; try again shortly. */
  FILE_NOT_READY: 409,
  /** The person already has days on the project in that period; change the allocation instead. */
  ROSTER_OVERLAP: 409,
  /** The MFA enrolment changed while it was being confirmed (another enrolment started); start again. */
  MFA_ENROLMENT_CHANGED: 409,
  /** The caller already decided, or the stage was settled by others; `details.decision` is the decision that stands. */
  ALREADY_DECIDED: 409,
  /** An attempt of this webhook delivery is running now; ask again when it ends; `details.deliveryId`, `details.lockedUntil`. */
  WEBHOOK_DELIVERY_IN_PROGRESS: 409,
  /** The workflow is approved, rejected or cancelled: nothing more can be decided; `details.state`. */
  WORKFLOW_CLOSED: 409,
  /** The request changed (an edit started a new round) or moved to another stage since the caller saw it; `details.round`, `details.stage`. */
  REQUEST_CHANGED: 409,
  /** The request was decided or cancelled and can no longer be changed; `details.status`. */
  REQUEST_NOT_PENDING: 409,
  /** An expense stage decided before its turn (the CEO before Finance); `details.stage`, `details.currentStage`. */
  STAGE_NOT_REACHED: 409,
  /** The claim's workflow has no such stage (a strict policy left it out); `details.stage`, `details.stages`. */
  STAGE_NOT_IN_WORKFLOW: 409,
  /** Whoever decided one stage of a claim does not decide another (Finance is not also the CEO); `details.decidedStage`. */
  ONE_STAGE_PER_APPROVER: 409,
  /** Only a draft claim is edited or submitted; `details.status`. */
  EXPENSE_NOT_DRAFT: 409,
  /** The claim cannot be cancelled now, or not by you; `details.status`, `details.by` (who still may). */
  EXPENSE_NOT_CANCELLABLE: 409,
  /** Only an approved claim is reimbursed; `details.status`. */
  EXPENSE_NOT_APPROVED: 409,
  /** The one-click link was used already; `details.usedAt`. */
  LINK_USED: 409,
  /** A delegation overlaps another of the same person for some of the same kinds; `details.delegation` is that one. */
  DELEGATION_OVERLAP: 409,
  /** A work-location request clashes with your own pending or approved one; `details.request` is that one. */
  WORK_LOCATION_OVERLAP: 409,
  /** A leave request shares a day with your own pending or approved leave; `details.request` is that one. */
  LEAVE_OVERLAP: 409,
  /** The default holiday calendar cannot be deleted; make another the default first. */
  HOLIDAY_CALENDAR_DEFAULT: 409,
  /** The punch is not possible in the day's state; `details.state`, `details.allowed` (the punches that are). */
  ATTENDANCE_INVALID_TRANSITION: 409,
  /** The month is locked (or already was): its days take no correction; `details.month`, `details.lockedAt`. */
  ATTENDANCE_PERIOD_LOCKED: 409,
  /** A correction of this day is already waiting for a decision; `details.correction`. */
  CORRECTION_PENDING: 409,
  /** A consent given to a text version that is no longer current: show the current text and send its version; `details.purpose`, `details.currentTextVersion`. */
  CONSENT_TEXT_OUTDATED: 409,
  /** The person is already under a legal hold; `details.userId`, `details.heldSince`, `details.reference`. */
  LEGAL_HOLD_EXISTS: 409,
  /** The person is under a legal hold: their data is not erased until HR or an Admin releases it; `details.userId`, `details.heldSince`, `details.reference`. */
  LEGAL_HOLD_ACTIVE: 409,
  /** An erasure request for the person is open already; `details.requestId`, `details.status`. */
  ERASURE_REQUEST_PENDING: 409,
  /** The person was erased: the account cannot be restored, erased again or used; `details.userId`, `details.erasedAt`. */
  USER_ERASED: 409,
  // 413, 415: what Fastify refuses before a procedure runs
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  // 422: well-formed, but business logic refuses it
  UNPROCESSABLE: 422,
  INVALID_STATE: 422,
  /** The leave would take the balance below what the type allows; `details.available`, `details.requested`, `details.allowedNegative`. */
  INSUFFICIENT_BALANCE: 422,
  /** A status move the lifecycle does not allow; `details` hold from, to and the allowed moves. */
  INVALID_TRANSITION: 422,
  /** An end before its start; `details` name both days. */
  INVALID_PERIOD: 422,
  /** An id in the body names nothing that exists (`details.field`, `details.id`). */
  REFERENCE_NOT_FOUND: 422,
  /** An id in the body names something archived or inactive (`details.field`, `details.status`). */
  REFERENCE_INACTIVE: 422,
  /** Catalog items that cannot be assigned (unknown, of another type, deactivated); `details.problems`. */
  CATALOG_ITEM_UNUSABLE: 422,
  /** The project is archived: readable, never changed again. */
  PROJECT_ARCHIVED: 422,
  /** An allocation must lie within the project's period; `details` hold both. */
  OUTSIDE_PROJECT_PERIOD: 422,
  /** New project dates leave allocations outside; `details.members` lists them (send adjustAllocations: true). */
  ALLOCATIONS_OUTSIDE_PERIOD: 422,
  /** Only a planned start can move; this allocation has begun. */
  ALLOCATION_STARTED: 422,
  /** The allocation has ended by the day the change would apply from: nothing would change. */
  ALLOCATION_ENDED: 422,
  /** The change would leave the person no day on the project; remove them instead. */
  ALLOCATION_WOULD_BE_EMPTY: 422,
  /**
   * A bulk roster addition was refused because some of its members were: none
   * was added. `details.members` lists each refused member (`index`, `userId`,
   * and the `code`, `message` and `details` a single addition would have answered).
   */
  ROSTER_BULK_REFUSED: 422,
  /** The user is archived: restore them first. */
  USER_ARCHIVED: 422,
  /** Only an archived user can be restored. */
  USER_NOT_ARCHIVED: 422,
  /** The account already has a password (an invite is for accounts without one). */
  PASSWORD_ALREADY_SET: 422,
  /** The session has already ended. */
  SESSION_ENDED: 422,
  /** MFA is already on; disable it before enrolling again. */
  MFA_ALREADY_ENABLED: 422,
  /** MFA is not on for this account. */
  MFA_NOT_ENABLED: 422,
  /** No MFA enrolment is in progress: start with POST /auth/mfa/enroll. */
  MFA_NOT_ENROLLING: 422,
  /** The uploaded image could not be decoded. */
  IMAGE_UNREADABLE: 422,
  /** Reporting lines would be longer than the limit; `details.limit`. */
  REPORTING_TOO_DEEP: 422,
  /** No virus scanner is configured, so nothing can be rescanned. */
  SCANNER_NOT_CONFIGURED: 422,
  /** A new password fails the password policy; details list the reasons. */
  WEAK_PASSWORD: 422,
  IDEMPOTENCY_KEY_REUSED: 422,
  /** The change would make someone their own (indirect) manager. */
  REPORTING_CYCLE: 422,
  /** The file was found infected and is quarantined: it is never served. */
  FILE_QUARANTINED: 422,
  /** An approval policy failed a check; `details.stage` (from 0), `details.field` and `details.message` say where. */
  APPROVAL_POLICY_INVALID: 422,
  /** The requested days lie wholly before today; only HR records those. */
  DAYS_IN_PAST: 422,
  /** The period is longer than allowed; `details.maxDays`. */
  PERIOD_TOO_LONG: 422,
  /** Nobody delegates their approvals to themself. */
  DELEGATION_TO_SELF: 422,
  /** The delegate cannot decide (archived, or unknown); `details.delegateId`. */
  DELEGATE_UNAVAILABLE: 422,
  /** The delegation has ended already; `details.endedAt`. */
  DELEGATION_ENDED: 422,
  /** This notification must reach you somewhere: keep in-app or email on; `details.type`. */
  NOTIFICATION_CHANNEL_REQUIRED: 422,
  /** The leave type is archived: no new requests; `details.typeId`. */
  LEAVE_TYPE_ARCHIVED: 422,
  /** The request starts sooner than the type's notice; `details.minNoticeDays`, `details.earliestStart`. */
  LEAVE_NOTICE_TOO_SHORT: 422,
  /** More consecutive days than the type allows; `details.maxConsecutiveDays`, `details.days`. */
  LEAVE_TOO_LONG: 422,
  /** The type is open only after a period of service; `details.minServiceDays`, `details.eligibleFrom`. */
  LEAVE_SERVICE_TOO_SHORT: 422,
  /** Requests this long need a supporting document (`attachmentFileId`); `details.documentRequiredAfterDays`. */
  LEAVE_DOCUMENT_REQUIRED: 422,
  /** The requested days hold no working day (weekends and holidays only); nothing would be taken. */
  LEAVE_NO_WORKING_DAYS: 422,
  /** A request counts in one leave year; `details.yearEnd`: request the days after it separately. */
  LEAVE_CROSSES_YEAR: 422,
  /** Approved leave that has begun is cut short by HR only; `details.startDate`. */
  LEAVE_ALREADY_STARTED: 422,
  /** A correction of a future day or one before the window; `details.earliest`, `details.latest`. */
  CORRECTION_OUTSIDE_WINDOW: 422,
  /** The corrected punches do not make a day; `details.index`, `details.problem` (order, future, otherDay, tooLong, transition, open). */
  CORRECTION_INVALID_PUNCHES: 422,
  /** No exchange rate for the claim's currency on or before its day; `details.currency`, `details.base`, `details.date`. */
  EXCHANGE_RATE_MISSING: 422,
  /** The category asks for a receipt above an amount; `details.categoryId`, `details.thresholdMinor`, `details.amountMinor`. */
  RECEIPT_REQUIRED: 422,
  /** The category is archived: no new claims; `details.categoryId`. */
  EXPENSE_CATEGORY_ARCHIVED: 422,
  /** Nobody claims what they have not spent yet; `details.expenseDate`, `details.today`. */
  EXPENSE_DATE_IN_FUTURE: 422,
  /** Only a month that has ended can be locked; `details.month`. */
  ATTENDANCE_MONTH_OPEN: 422,
  /** The other person of a message thread is archived: their threads are read-only; `details.recipientId`. */
  RECIPIENT_ARCHIVED: 422,
  /** A message thread needs another person than yourself; `details.participantId`. */
  THREAD_WITH_SELF: 422,
  /** A webhook URL that would reach a private, loopback, link-local, CGNAT, multicast or other non-public address (or `localhost`); `details.url`, `details.reason` (loopback, private, link-local, cgnat, multicast, unspecified, reserved, unique-local, localhost, …), `details.address`. */
  WEBHOOK_URL_NOT_ALLOWED: 422,
  /** Webhook URLs must be https in production; `details.url`. */
  WEBHOOK_HTTPS_REQUIRED: 422,
  /** The webhook URL's host does not resolve (DNS); `details.url`, `details.host`. */
  WEBHOOK_HOST_UNRESOLVABLE: 422,
  /** The webhook subscription is disabled: re-enable it (PATCH active=true) before a ping or redelivery; `details.webhookId`, `details.disabledAt`, `details.disabledReason`. */
  WEBHOOK_DISABLED: 422,
  // 429
  RATE_LIMITED: 429,
  /** Too many personal-data exports for one person in a day; `details.retryAfter` (ISO time), `details.retryAfterSeconds`, `details.limit`. */
  EXPORT_RATE_LIMITED: 429,
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
