import { type Action, DomainError, type ErrorCode, isDomainError, type SubjectName } from '@seed-pms/domain';
import { initTRPC, TRPCError } from '@trpc/server';
import { canAny, canEvery } from '../access/ability.js';
import { describeError, errorBody, trpcCodeForStatus } from '../http/errors.js';
import { readFormInput } from '../rest/multipart.js';
import type { Context } from './context.js';
import { assertStorableText } from './text-guard.js';

/**
 * Procedure metadata: the REST method and path (relative to /api/v1), its
 * OpenAPI tags and summary. The shape is trpc-to-openapi's `openapi` block,
 * declared here so the published AppRouter type does not depend on that
 * package (rest/openapi.ts checks the two stay compatible).
 */
// A type alias, not an interface: tRPC's meta constraint needs an index-compatible type.
export type Meta = {
  openapi?: {
    enabled?: boolean;
    method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
    path: `/${string}`;
    /**
     * The status of a successful REST answer (201 for a create, 202 for work
     * accepted); 200 when absent. Part of the procedure, not of the resolver,
     * so an Idempotency-Key replay answers exactly like the first call.
     */
    successStatus?: 200 | 201 | 202 | 204;
    operationId?: string;
    summary?: string;
    description?: string;
    /** false for endpoints anonymous callers may use; documented as needing a bearer token otherwise. */
    protect?: boolean;
    tags?: string[];
    deprecated?: boolean;
    successDescription?: string;
    /** Request body types; uploads say multipart/form-data. */
    contentTypes?: string[];
  };
  /**
   * The coarse gate of an authenticated procedure: the actor must be able to do
   * `action` to some `subject`. The use case then checks the loaded object.
   */
  access?: {
    action: Action;
    subject: SubjectName;
    /** Require the right over every record of the subject, not just some (e.g. lists of all files). */
    every?: boolean;
  };
  /**
   * A multipart upload: the input is a form (tRPC: FormData; REST:
   * multipart/form-data) whose file fields are named here with their
   * descriptions. See rest/multipart.ts.
   */
  multipart?: Record<string, string>;
  /** Still answers while the user must change their password or enrol in MFA (the auth routes). */
  allowPending?: boolean;
  /**
   * REST may answer with a file of this type instead of JSON (the procedure
   * calls `ctx.res.download`); the OpenAPI document lists it beside JSON.
   */
  download?: { contentType: string; description: string };
  /**
   * The business error codes the procedure answers beyond the common ones
   * (validation, authentication, not found): the OpenAPI document lists them
   * under their statuses, so a client knows which rules to handle.
   */
  errors?: readonly ErrorCode[];
};

const t = initTRPC
  .context<Context>()
  .meta<Meta>()
  .create({
    // Subscriptions over SSE: a ping keeps proxies from closing a quiet feed, and the client reconnects,
    // resuming from the last event id, when it hears nothing for longer. A stream also ends after 10
    // minutes and the client reconnects with its current token, so a revoked session or an archived
    // account loses its feed by then.
    sse: {
      ping: { enabled: true, intervalMs: 15_000 },
      client: { reconnectAfterInactivityMs: 40_000 },
      maxDurationMs: 10 * 60_000,
    },
    // Errors carry the spec's envelope in `data.error`, the same body REST answers with.
    errorFormatter({ shape, error, ctx, path }) {
      const described = describeError(error);
      return {
        message: described.message,
        code: shape.code,
        data: {
          success: false as const,
          // tRPC's own fields, which tRPC tooling reads (e.g. `error.data.code === 'UNAUTHORIZED'`).
          code: shape.data.code,
          httpStatus: described.status,
          error: errorBody(described, {
            requestId: ctx?.req.id ?? 'unknown',
            path: ctx?.req.path ?? `/trpc/${path ?? ''}`,
          }),
        },
      };
    },
  });

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/**
 * A DomainError thrown in a procedure reaches tRPC as a 500 wrapping it; this
 * gives it the tRPC code of its own HTTP status, so tRPC clients see the same
 * status the REST surface answers with.
 */
const domainErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && isDomainError(result.error.cause)) {
    const cause = result.error.cause;
    throw new TRPCError({ code: trpcCodeForStatus(cause.status), message: cause.message, cause });
  }
  return result;
});

/** Every string of the input is storable text (no NUL, no lone surrogate): see text-guard.ts. */
const storableText = t.middleware(async ({ getRawInput, next }) => {
  assertStorableText(await getRawInput());
  return next();
});

const base = t.procedure.use(domainErrors);

/** Open to everyone, signed in or not. Use only for what anonymous callers may see. */
export const publicProcedure = base.use(storableText);

/** Authentication, the pending-steps hold and the coarse ability gate (see authedProcedure). */
const authenticated = base.use(async ({ ctx, meta, next }) => {
  const actor = ctx.actor ?? (await ctx.services.auth.authenticate(ctx.req, ctx.now));
  if (actor.pending.length > 0 && !meta?.allowPending) {
    const step = actor.pending[0];
    throw step === 'change-password'
      ? new DomainError('PASSWORD_CHANGE_REQUIRED', 'Change your password first (POST /api/v1/auth/change-password)')
      : new DomainError('MFA_SETUP_REQUIRED', 'Set up MFA first (POST /api/v1/auth/mfa/enroll)');
  }
  const access = meta?.access;
  const allowed = access && (access.every ? canEvery : canAny)(actor, access.action, access.subject);
  if (access && !allowed) {
    throw new DomainError('FORBIDDEN', `You are not allowed to ${access.action} ${access.subject} records`, {
      action: access.action,
      subject: access.subject,
    });
  }
  return next({ ctx: { ...ctx, actor } });
});

/**
 * Signed-in users only. Authenticates the bearer token (internal callers such
 * as the REPL come with an actor already), holds back users who must first
 * change their password or enrol in MFA, and applies the procedure's coarse
 * ability gate. Runs before input validation, so a caller without the right
 * learns nothing about the input the procedure expects; then the text rule.
 */
export const authedProcedure = authenticated.use(storableText);

/** A signed-in procedure taking a multipart form (meta.multipart): the form is read, and refused cleanly, first. */
export const uploadProcedure = authenticated
  .use(async ({ getRawInput, next }) => {
    await readFormInput(getRawInput);
    return next();
  })
  .use(storableText);

/**
 * Wraps a create mutation's resolver so an `Idempotency-Key` header makes
 * repeats return the first result (ARCHITECTURE.md, "Atomicity").
 */
export function idempotent<TOpts extends { ctx: Context; input: unknown; path: string }, TResult>(
  resolver: (opts: TOpts) => Promise<TResult>,
): (opts: TOpts) => Promise<TResult> {
  return (opts) => opts.ctx.services.idempotency.once(opts.ctx, opts.path, opts.input, () => resolver(opts));
}
