import { ACCESS_MATRIX, type Actor, DomainError, holdsRole, type Role } from '@seed-pms/domain';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeError } from '../src/http/errors.js';
import { createServices, type Services } from '../src/services.js';
import { internalContext } from '../src/trpc/internal-context.js';
import { appRouter } from '../src/trpc/router.js';
import { createCallerFactory } from '../src/trpc/trpc.js';
import { createUser } from './auth-helpers.js';
import { useTestApp } from './support.js';

/**
 * Every procedure of the router, called as each role and as an anonymous
 * caller, against ACCESS_MATRIX (packages/domain/src/access/access-matrix.ts).
 * Calls carry an input field no procedure accepts, so an allowed caller is
 * stopped by input validation (or runs a harmless read) and never changes
 * anything; a refused one is stopped before its input is looked at.
 */
const testApp = useTestApp(import.meta.url);
const createCaller = createCallerFactory(appRouter);
const procedures = Object.entries(appRouter._def.procedures as unknown as Record<string, { _def: { type: string } }>);

const ROLES: Role[] = ['employee', 'projectLead', 'manager', 'director', 'hr', 'admin', 'finance', 'ceo'];
const DENIED = new Set(['FORBIDDEN', 'UNAUTHENTICATED']);

let services: Services;
const actors = new Map<Role, Actor>();
beforeAll(async () => {
  services = await createServices(testApp().deps);
  for (const role of ROLES) {
    const user = await createUser(testApp(), { roles: [role], password: null });
    actors.set(role, {
      id: user._id.toHexString(),
      email: user.email,
      roles: user.roles,
      sessionId: null,
      pending: [],
    });
  }
});

function expected(name: string, actor: Actor | null): boolean {
  const rule = ACCESS_MATRIX[name];
  if (rule === undefined) throw new Error(`no entry for ${name} in ACCESS_MATRIX`);
  if (rule === 'public') return true;
  if (actor === null) return false;
  if (rule === 'signed-in') return true;
  return rule.some((role) => holdsRole(actor.roles, role));
}

type Outcome = 'allowed' | 'denied' | `broken (${string})`;

/**
 * What a failed call says about access: refused (401/403 without a business
 * reason), or allowed and stopped for a named reason (validation, not found,
 * a business rule). A 5xx is neither: the call broke, and the matrix test
 * fails on it rather than counting it as allowed.
 */
function classify(error: unknown): Outcome {
  const described = describeError(error);
  if (described.status >= 500) return `broken (${described.code})`;
  return DENIED.has(described.code) ? 'denied' : 'allowed';
}

async function outcome(name: string, type: string, actor: Actor | null): Promise<Outcome> {
  let target: unknown = createCaller(internalContext({ services, actor }));
  for (const segment of name.split('.')) target = (target as Record<string, unknown>)[segment];
  try {
    await (target as (input: unknown) => Promise<unknown>)(type === 'query' ? undefined : { __probe: true });
    return 'allowed';
  } catch (error) {
    return classify(error);
  }
}

describe('the access matrix', () => {
  it('has an entry for every procedure, and none for procedures that do not exist', () => {
    const names = procedures.map(([name]) => name);
    expect(names.filter((name) => !(name in ACCESS_MATRIX))).toEqual([]);
    expect(Object.keys(ACCESS_MATRIX).filter((name) => !names.includes(name))).toEqual([]);
  });

  it('every procedure allows and denies exactly as the table says, for each role and anonymous callers', async () => {
    const mismatches: string[] = [];
    for (const [name, procedure] of procedures) {
      for (const role of [null, ...ROLES] as const) {
        const actor = role === null ? null : (actors.get(role) as Actor);
        const want = expected(name, actor) ? 'allowed' : 'denied';
        const got = await outcome(name, procedure._def.type, actor);
        if (got !== want) mismatches.push(`${name} as ${role ?? 'anonymous'}: ${got}, expected ${want}`);
      }
    }
    expect(mismatches).toEqual([]);
  });
});

describe('regression: the access matrix counted a 500 as "allowed"', () => {
  it('a call that fails with a server error is reported as broken, not allowed', () => {
    expect(classify(new Error('database password is hunter2'))).toBe('broken (INTERNAL_ERROR)');
    expect(classify(new DomainError('SERVICE_UNAVAILABLE', 'down'))).toBe('broken (SERVICE_UNAVAILABLE)');
    expect(classify(new DomainError('VALIDATION_FAILED', 'bad input'))).toBe('allowed');
    expect(classify(new DomainError('PROJECT_ARCHIVED', 'read-only'))).toBe('allowed');
    expect(classify(new DomainError('FORBIDDEN', 'no'))).toBe('denied');
  });
});
