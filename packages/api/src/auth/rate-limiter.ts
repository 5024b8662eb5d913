import { DomainError } from '@seed-pms/domain';
import type { Redis } from 'ioredis';

export interface RateLimitResult {
  allowed: boolean;
  remaining: number;
  /** Seconds until the window resets. */
  retryAfterSeconds: number;
}

/**
 * Fixed-window counters for the auth routes' own limits (per IP, per account).
 * With Redis they are shared by every instance; without it they are per
 * process, like the global limit.
 */
export interface RateLimiter {
  consume(key: string, limit: number, windowMs: number, now: Date): Promise<RateLimitResult>;
  /** Forgets a key (a successful login clears nothing but tests may reset). */
  reset(key: string): Promise<void>;
}

// INCR and set the expiry on the first hit, atomically; returns [count, ttl-ms].
const CONSUME_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {count, ttl}`;

export function createRateLimiter(redis: Redis | null, prefix = 'seed-pms:auth-rl:'): RateLimiter {
  if (redis) {
    return {
      async consume(key, limit, windowMs) {
        const [count, ttl] = (await redis.eval(CONSUME_SCRIPT, 1, prefix + key, String(windowMs))) as [number, number];
        return {
          allowed: count <= limit,
          remaining: Math.max(0, limit - count),
          retryAfterSeconds: Math.max(1, Math.ceil(ttl / 1000)),
        };
      },
      async reset(key) {
        await redis.del(prefix + key);
      },
    };
  }
  const windows = new Map<string, { count: number; resetAt: number }>();
  return {
    async consume(key, limit, windowMs, now) {
      const at = now.getTime();
      if (windows.size > 50_000) {
        for (const [k, w] of windows) if (w.resetAt <= at) windows.delete(k);
      }
      let window = windows.get(key);
      if (!window || window.resetAt <= at) {
        window = { count: 0, resetAt: at + windowMs };
        windows.set(key, window);
      }
      window.count += 1;
      return {
        allowed: window.count <= limit,
        remaining: Math.max(0, limit - window.count),
        retryAfterSeconds: Math.max(1, Math.ceil((window.resetAt - at) / 1000)),
      };
    },
    async reset(key) {
      windows.delete(key);
    },
  };
}

export function rateLimited(retryAfterSeconds: number): DomainError {
  return new DomainError('RATE_LIMITED', `Too many attempts; try again in ${retryAfterSeconds} seconds`, {
    retryAfterSeconds,
  });
}
