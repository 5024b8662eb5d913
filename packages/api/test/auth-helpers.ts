import { type EmployeeDoc, insertAccount, type UserDoc } from '@seed-pms/db';
import { ObjectId, type WithId } from '@seed-pms/db/testing';
import type { Role } from '@seed-pms/domain';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { hashPassword } from '../src/auth/password.js';
import type { TestApp } from './support.js';

export const PASSWORD = 'correct horse battery staple';

let counter = 0;
/** A unique email per call, so tests in one file never collide. */
export function uniqueEmail(prefix = 'user'): string {
  counter += 1;
  return `${prefix}-${counter}-${Date.now().toString(36)}@example.com`;
}

export async function createUser(
  testApp: TestApp,
  options: {
    email?: string;
    name?: string;
    roles?: Role[];
    password?: string | null;
    mustChangePassword?: boolean;
    /** Fields of the employee profile made with the account. */
    profile?: Partial<Omit<EmployeeDoc, '_id'>>;
  } = {},
): Promise<WithId<UserDoc>> {
  const email = options.email ?? uniqueEmail(options.roles?.[0] ?? 'user');
  const password = options.password === undefined ? PASSWORD : options.password;
  return insertAccount(
    testApp.database.collections.users,
    testApp.database.collections.employees,
    {
      email,
      name: options.name ?? `Test ${email.split('@')[0]}`,
      roles: options.roles ?? ['employee'],
      passwordHash: password === null ? null : await hashPassword(password),
      mustChangePassword: options.mustChangePassword ?? false,
    },
    new Date(),
    options.profile,
  );
}

export interface Session {
  accessToken: string;
  refreshCookie: string;
  csrfCookie: string;
  body: Record<string, unknown>;
}

export function cookieOf(response: LightMyRequestResponse, name: string) {
  return response.cookies.find((c) => c.name === name);
}

/** Signs in over REST and keeps what a browser would: the access token and both cookies. */
export async function login(
  app: FastifyInstance,
  email: string,
  password = PASSWORD,
  extra: Record<string, unknown> = {},
): Promise<Session> {
  const response = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email, password, ...extra },
  });
  if (response.statusCode !== 200) throw new Error(`login failed: ${response.statusCode} ${response.body}`);
  return sessionFrom(response);
}

export function sessionFrom(response: LightMyRequestResponse): Session {
  const body = response.json();
  const refresh = cookieOf(response, 'refresh_token');
  const csrf = cookieOf(response, 'csrf_token');
  if (!refresh || !csrf) throw new Error('the answer set no session cookies');
  return { accessToken: body.accessToken, refreshCookie: refresh.value, csrfCookie: csrf.value, body };
}

export const bearer = (session: Pick<Session, 'accessToken'>) => ({ authorization: `Bearer ${session.accessToken}` });

/** A cookie-authenticated refresh as the client package sends it. */
export function refresh(app: FastifyInstance, session: Pick<Session, 'refreshCookie' | 'csrfCookie'>, csrf?: string) {
  return app.inject({
    method: 'POST',
    url: '/api/v1/auth/refresh',
    cookies: { refresh_token: session.refreshCookie, csrf_token: session.csrfCookie },
    headers: { 'x-csrf-token': csrf ?? session.csrfCookie },
  });
}

export interface SignedIn extends Session {
  id: string;
  email: string;
}

/** A new user with these roles (reporting to `managerId`, if given), signed in. */
export async function signInAs(
  testApp: TestApp,
  roles: Role[] = ['employee'],
  options: { managerId?: string } = {},
): Promise<SignedIn> {
  const profile = options.managerId ? { profile: { managerId: new ObjectId(options.managerId) } } : {};
  const user = await createUser(testApp, { roles, ...profile });
  const session = await login(testApp.app, user.email);
  return { ...session, id: user._id.toHexString(), email: user.email };
}

/** The same user signed in anew (an access token from before a test clock moved has expired). */
export async function signInAgain(app: FastifyInstance, who: SignedIn): Promise<SignedIn> {
  return { ...(await login(app, who.email)), id: who.id, email: who.email };
}

export type RestMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/** A REST call under /api/v1, signed in as `session` (or anonymous with null), as a frontend makes it. */
export function callAs(
  app: FastifyInstance,
  session: Pick<Session, 'accessToken'> | null,
  method: RestMethod,
  url: string,
  payload?: unknown,
  headers: Record<string, string> = {},
) {
  return app.inject({
    method,
    url: `/api/v1${url}`,
    headers: { ...(session ? bearer(session) : {}), ...headers },
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
}

/** Signed-in admin, HR and employee accounts: the three a test of the admin surface needs. */
export async function signInStaff(testApp: TestApp): Promise<{ admin: SignedIn; hr: SignedIn; employee: SignedIn }> {
  return {
    admin: await signInAs(testApp, ['admin']),
    hr: await signInAs(testApp, ['hr']),
    employee: await signInAs(testApp),
  };
}
