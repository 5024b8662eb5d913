import { hashRequest } from '@seed-pms/db';
import { validationFailed } from '@seed-pms/domain';
import type { CallContext } from '../app/call-context.js';
import type { ServiceDeps } from '../app/deps.js';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
/** A first attempt that has not finished after this long is taken to have died. */
const LOCK_MS = 60_000;

export interface IdempotencyService {
  /**
   * Runs `create` once per (caller, operation, Idempotency-Key header). A
   * repeat with the same input gets the first result; the same key with other
   * input is refused. Without the header it simply runs `create`.
   */
  once<T>(ctx: CallContext, operation: string, input: unknown, create: () => Promise<T>): Promise<T>;
  /** Removes expired keys; the cleanup job calls it. */
  purgeExpired(now: Date): Promise<number>;
}

export function createIdempotencyService(deps: Pick<ServiceDeps, 'repos' | 'config'>): IdempotencyService {
  const keys = deps.repos.idempotency;
  const ttlMs = deps.config.IDEMPOTENCY_TTL_HOURS * 3600_000;
  return {
    async once<T>(ctx: CallContext, operation: string, input: unknown, create: () => Promise<T>): Promise<T> {
      const key = ctx.req.header(IDEMPOTENCY_HEADER);
      if (key === undefined) return create();
      if (!KEY_PATTERN.test(key)) {
        throw validationFailed('Idempotency-Key must be 1-255 visible ASCII characters', [
          { path: 'Idempotency-Key', message: 'must be 1-255 visible ASCII characters', code: 'invalid_header' },
        ]);
      }
      const outcome = await keys.claim<T>({
        actorId: ctx.actor?.id ?? `anonymous:${ctx.req.ip}`,
        operation,
        key,
        requestHash: hashRequest(input),
        now: ctx.now,
        ttlMs,
        lockMs: LOCK_MS,
      });
      if (outcome.kind === 'replay') return outcome.response;
      let result: T;
      try {
        result = await create();
      } catch (error) {
        await keys.release(outcome.id);
        throw error;
      }
      await keys.complete(outcome.id, result);
      return result;
    },
    purgeExpired: (now) => keys.purgeExpired(now),
  };
}
