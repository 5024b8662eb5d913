import { execFileSync, spawnSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from '../../api/test/support.js';

const clientDir = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(join(clientDir, 'package.json'));
const tsc = join(dirname(require.resolve('typescript/package.json')), 'bin', 'tsc');

let consumer: string;
let built: typeof import('../src/index.js');

/**
 * Builds the package, packs it as it would be published, and installs the
 * tarball into a project outside the workspace that has only the peer
 * dependencies: no access to our source or to any unpublished package.
 */
beforeAll(() => {
  execFileSync('pnpm', ['run', 'build'], { cwd: clientDir, stdio: 'pipe' });
  const work = mkdtempSync(join(tmpdir(), 'seed-client-'));
  execFileSync('pnpm', ['pack', '--pack-destination', work], { cwd: clientDir, stdio: 'pipe' });
  const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
  if (!tarball) throw new Error('pnpm pack made no tarball');
  consumer = join(work, 'consumer');
  const installed = join(consumer, 'node_modules', '@seed-pms', 'client');
  mkdirSync(installed, { recursive: true });
  execFileSync('tar', ['-xzf', join(work, tarball), '-C', installed, '--strip-components=1']);
  for (const peer of ['@trpc/client', '@trpc/server', 'zod']) {
    const target = realpathSync(dirname(require.resolve(`${peer}/package.json`)));
    mkdirSync(dirname(join(consumer, 'node_modules', peer)), { recursive: true });
    symlinkSync(target, join(consumer, 'node_modules', peer), 'dir');
  }
  writeFileSync(
    join(consumer, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'ESNext',
        moduleResolution: 'Bundler',
        lib: ['ES2022', 'DOM', 'ESNext.Disposable'],
        strict: true,
        noEmit: true,
        skipLibCheck: false,
        types: [],
      },
      include: ['*.ts'],
    }),
  );
});

afterAll(() => {
  if (consumer) rmSync(dirname(consumer), { recursive: true, force: true });
});

/** A whole tsc run over the bundled declarations: 21-29 s measured with the 2 cores busy (load 9). */
const TYPECHECK_TIMEOUT_MS = 90_000;

function typecheck(source: string): { ok: boolean; output: string } {
  writeFileSync(join(consumer, 'app.ts'), source);
  const result = spawnSync(process.execPath, [tsc, '-p', consumer], { encoding: 'utf8' });
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}` };
}

describe('the published client package', () => {
  it('ships one .d.ts that imports only its peer dependencies', () => {
    const dts = readFileSync(join(consumer, 'node_modules/@seed-pms/client/dist/index.d.ts'), 'utf8');
    // Import statements only (a doc comment may quote one); a subpath of a peer is that peer.
    const imports = [...dts.matchAll(/^import .* from '([^']+)';$/gm)].map((m) => {
      const path = (m[1] as string).split('/');
      return path.slice(0, path[0]?.startsWith('@') ? 2 : 1).join('/');
    });
    expect(new Set(imports)).toEqual(new Set(['@trpc/server', '@trpc/client', 'zod']));
    expect(dts).not.toMatch(/@seed-pms\/|mongodb|fastify|ioredis/);
  });

  it('type-checks a frontend that uses it correctly', { timeout: TYPECHECK_TIMEOUT_MS }, () => {
    const { ok, output } = typecheck(`
import { apiErrorOf, createClient, hasErrorCode, memoryTokenStore, type RouterOutputs } from '@seed-pms/client';

const api = createClient({ url: 'http://localhost:3000', getAccessToken: () => 'token' });

export async function main(): Promise<string> {
  const ready = await api.health.ready.query();
  const status: 'ready' = ready.status;
  const checks: Record<string, 'up' | 'down' | 'disabled'> = ready.checks;
  type Live = RouterOutputs['health']['live'];
  const live: Live = await api.health.live.query();
  const uptime: number = live.uptimeSeconds;
  // @ts-expect-error: there is no such procedure
  await api.health.nope.query();
  try {
    await api.health.deep.query();
  } catch (error) {
    if (hasErrorCode(error, 'SERVICE_UNAVAILABLE')) return apiErrorOf(error)?.requestId ?? '';
  }
  return status + Object.keys(checks).length + uptime;
}

const tokens = memoryTokenStore();
const signedIn = createClient({ url: 'http://localhost:3000', auth: { tokens, onSessionEnded: () => tokens.set(null) } });
export async function signIn(email: string, password: string): Promise<string[]> {
  const session = await signedIn.auth.login.mutate({ email, password });
  tokens.set(session.accessToken);
  const me = await signedIn.auth.me.query();
  const roles: RouterOutputs['auth']['me']['user']['roles'] = me.user.roles;
  // @ts-expect-error: unknown fields are refused by the input type too
  await signedIn.users.create.mutate({ email, name: 'x', passwordHash: 'x' });
  return roles;
}

// The live feed: each event is { id, data } with data a notification.
export function listen(show: (line: string) => void): () => void {
  const feed = signedIn.notifications.onNew.subscribe(undefined, {
    onData: ({ id, data }) => {
      const type: RouterOutputs['notifications']['list']['items'][number]['type'] = data.type;
      show([id, type, data.title].join(' '));
    },
  });
  return () => feed.unsubscribe();
}

// Messages and read receipts: each event is { id, data } with data one or the other.
export function listenToMessages(show: (line: string) => void): () => void {
  const feed = signedIn.messages.onEvent.subscribe(undefined, {
    onData: ({ id, data }) => {
      if (data.type === 'message') show([id, data.threadId, data.message.body].join(' '));
      else show([id, data.userId, data.readUpTo, data.readAt].join(' '));
    },
  });
  return () => feed.unsubscribe();
}
`);
    expect(output).toBe('');
    expect(ok).toBe(true);
  });

  it('refuses a frontend that gets the types wrong', { timeout: TYPECHECK_TIMEOUT_MS }, () => {
    const { ok, output } = typecheck(`
import { createClient, hasErrorCode } from '@seed-pms/client';
const api = createClient({ url: 'http://localhost:3000' });
export async function main() {
  const ready = await api.health.ready.query();
  const wrong: number = ready.status;
  hasErrorCode(new Error('x'), 'NOT_A_CODE');
  return wrong;
}
`);
    expect(ok).toBe(false);
    expect(output).toContain("Type 'string' is not assignable to type 'number'");
    expect(output).toContain('"NOT_A_CODE"');
  });
});

/** A JWT-shaped token with this expiry and no valid signature. */
function fakeToken(exp: number): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'EdDSA', typ: 'at+jwt' })}.${part({ sub: 'x', sid: 'y', exp })}.c2ln`;
}

/** fetch with a cookie jar, as a browser would keep the session cookies (paths ignored). */
function cookieJarFetch() {
  const jar = new Map<string, string>();
  const hits = new Map<string, number>();
  return {
    cookie: (name: string) => jar.get(name) ?? null,
    clear: () => jar.clear(),
    calls: (path: string) => hits.get(path) ?? 0,
    fetch: async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
      const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
      hits.set(url.pathname, (hits.get(url.pathname) ?? 0) + 1);
      const headers = new Headers(init?.headers);
      if (jar.size) headers.set('cookie', [...jar].map(([k, v]) => `${k}=${v}`).join('; '));
      const response = await fetch(url, { ...init, headers });
      for (const line of response.headers.getSetCookie()) {
        const [pair] = line.split(';');
        const index = pair?.indexOf('=') ?? -1;
        if (!pair || index < 0) continue;
        const value = pair.slice(index + 1);
        if (value) jar.set(pair.slice(0, index), value);
        else jar.delete(pair.slice(0, index));
      }
      return response;
    },
  };
}

describe('the built client against the real server', () => {
  const testApp = useTestApp(import.meta.url);
  let baseUrl: string;

  beforeAll(async () => {
    baseUrl = await testApp().app.listen({ host: '127.0.0.1', port: 0 });
    built = (await import(join(clientDir, 'dist/index.js'))) as typeof import('../src/index.js');
  });

  it('calls procedures, batching calls made together', async () => {
    const api = built.createClient({ url: baseUrl });
    const [live, ready] = await Promise.all([api.health.live.query(), api.health.ready.query()]);
    expect(live.status).toBe('ok');
    expect(ready).toEqual({ status: 'ready', checks: { database: 'up', redis: 'disabled' } });
  });

  it('splits batches larger than the server accepts', async () => {
    const api = built.createClient({ url: baseUrl });
    const results = await Promise.all(Array.from({ length: 25 }, () => api.health.live.query()));
    expect(results).toHaveLength(25);
  });

  it('refreshes once on a 401 through the refresh cookie and retries the call, sharing one refresh', async () => {
    const { createUser, PASSWORD } = await import('../../api/test/auth-helpers.js');
    const user = await createUser(testApp());
    const browser = cookieJarFetch();
    const signIn = await browser.fetch(`${baseUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: user.email, password: PASSWORD }),
    });
    expect(signIn.status).toBe(200);
    // A token the server no longer accepts (its session check fails), but not yet expired by its clock.
    const stale = fakeToken(Date.now() / 1000 + 600);
    const tokens = built.memoryTokenStore(stale);
    let ended = 0;
    const api = built.createClient({
      url: baseUrl,
      fetch: browser.fetch,
      maxBatchSize: 1,
      auth: {
        tokens,
        getCsrfToken: () => browser.cookie('csrf_token'),
        onSessionEnded: () => {
          ended += 1;
        },
      },
    });
    const [a, b] = await Promise.all([api.auth.me.query(), api.auth.sessions.query()]);
    expect(a.user.email).toBe(user.email);
    expect(b.items).toHaveLength(1);
    expect(browser.calls(built.REFRESH_PATH)).toBe(1);
    expect(tokens.get()).not.toBe(stale);
    expect(ended).toBe(0);

    // A token about to expire is refreshed before the call.
    const early = built.createClient({
      url: baseUrl,
      fetch: browser.fetch,
      auth: { tokens, getCsrfToken: () => browser.cookie('csrf_token'), refreshLeewaySeconds: 100_000 },
    });
    await early.auth.session.query();
    expect(browser.calls(built.REFRESH_PATH)).toBe(2);

    // After a reload only the cookie is left: restoreSession gets a token from it.
    const restored = built.memoryTokenStore();
    const token = await built.restoreSession({
      url: baseUrl,
      fetch: browser.fetch,
      auth: { tokens: restored, getCsrfToken: () => browser.cookie('csrf_token') },
    });
    expect(token).toBeTruthy();
    expect(restored.get()).toBe(token);

    // When the refresh fails too, the session has ended: the call fails with 401 and the app is told.
    browser.clear();
    tokens.set(stale);
    const error = await api.auth.me.query().catch((e: unknown) => e);
    expect(built.hasErrorCode(error, 'UNAUTHENTICATED')).toBe(true);
    expect(ended).toBe(1);
    expect(tokens.get()).toBeNull();
  });

  it('regression: a wrong current password was retried after a refresh, so three typos locked the account', async () => {
    const { createUser, PASSWORD } = await import('../../api/test/auth-helpers.js');
    const user = await createUser(testApp());
    const browser = cookieJarFetch();
    const tokens = built.memoryTokenStore();
    let ended = 0;
    const api = built.createClient({
      url: baseUrl,
      fetch: browser.fetch,
      auth: {
        tokens,
        getCsrfToken: () => browser.cookie('csrf_token'),
        onSessionEnded: () => {
          ended += 1;
        },
      },
    });
    tokens.set((await api.auth.login.mutate({ email: user.email, password: PASSWORD })).accessToken);
    const changePath = '/trpc/auth.changePassword';
    for (let typo = 1; typo <= 3; typo += 1) {
      const error = await api.auth.changePassword
        .mutate({ currentPassword: `not my password ${typo}`, newPassword: 'a fresh long passphrase' })
        .catch((e: unknown) => e);
      expect(built.hasErrorCode(error, 'INVALID_CREDENTIALS')).toBe(true);
      expect(built.isApiError(error) && error.data?.httpStatus).toBe(403);
      expect(built.apiErrorOf(error)?.details).toEqual({ field: 'currentPassword' });
      // Sent once, never refreshed and sent again.
      expect(browser.calls(changePath)).toBe(typo);
    }
    expect(browser.calls(built.REFRESH_PATH)).toBe(0);
    expect(ended).toBe(0);

    // Not locked: the right password changes it.
    const changed = await api.auth.changePassword.mutate({
      currentPassword: PASSWORD,
      newPassword: 'a fresh long passphrase',
    });
    expect(changed).toEqual({ ok: true, sessionsEnded: 0 });

    // A failed sign-in (401 INVALID_CREDENTIALS) is an answer too: no refresh, no second attempt.
    const loginPath = '/trpc/auth.login';
    const before = browser.calls(loginPath);
    const wrongSignIn = await api.auth.login
      .mutate({ email: user.email, password: 'not my password 4' })
      .catch((e: unknown) => e);
    expect(built.hasErrorCode(wrongSignIn, 'INVALID_CREDENTIALS')).toBe(true);
    expect(browser.calls(loginPath)).toBe(before + 1);
    expect(browser.calls(built.REFRESH_PATH)).toBe(0);
    const again = await api.auth.login.mutate({ email: user.email, password: 'a fresh long passphrase' });
    expect(again.accessToken).toBeTruthy();
  });

  it('uploads a file as FormData, sent on its own while other calls are batched', async () => {
    const { createUser, PASSWORD } = await import('../../api/test/auth-helpers.js');
    const user = await createUser(testApp());
    const tokens = built.memoryTokenStore();
    const api = built.createClient({ url: baseUrl, auth: { tokens } });
    tokens.set((await api.auth.login.mutate({ email: user.email, password: PASSWORD })).accessToken);
    // A 1×1 PNG.
    const png = Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
      'base64',
    );
    const form = new FormData();
    form.append('id', user._id.toHexString());
    form.append('file', new File([png], 'me.png', { type: 'image/png' }));
    const [profile, me] = await Promise.all([api.employees.uploadImage.mutate(form), api.auth.me.query()]);
    expect(profile.image?.thumbnailUrl).toContain('/api/v1/files/blob?');
    expect(me.user.email).toBe(user.email);

    const notAnImage = new FormData();
    notAnImage.append('id', user._id.toHexString());
    notAnImage.append('file', new File([Buffer.from('just text')], 'me.png', { type: 'image/png' }));
    const error = await api.employees.uploadImage.mutate(notAnImage).catch((e: unknown) => e);
    expect(built.hasErrorCode(error, 'UNSUPPORTED_MEDIA_TYPE')).toBe(true);
  });

  it('exposes the error envelope of a failed call', async () => {
    const api = built.createClient({ url: baseUrl }) as unknown as {
      health: { missing: { query(): Promise<unknown> } };
    };
    const error = await api.health.missing.query().catch((e: unknown) => e);
    expect(built.isApiError(error)).toBe(true);
    expect(built.apiErrorOf(error)).toMatchObject({ code: 'NOT_FOUND', path: '/trpc/health.missing' });
    expect(built.hasErrorCode(error, 'NOT_FOUND')).toBe(true);
  });
});
