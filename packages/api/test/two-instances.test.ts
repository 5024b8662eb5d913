import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bearer, createUser, login } from './auth-helpers.js';
import { useTestApp } from './support.js';

/** Two API instances on one database and one Redis with one signing key, as behind a load balancer. */
const env = {
  JWT_PRIVATE_KEY: generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
};
const first = useTestApp(import.meta.url, { redis: true, env });
const second = useTestApp(`${import.meta.url}#2`, { redis: true, env, sameDatabaseAs: first });

const me = (instance: typeof first, token: string) =>
  instance().app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer({ accessToken: token }) });

describe('revocation across instances', () => {
  it('a logout on one instance stops the session on the other at once, despite its cache', async () => {
    const user = await createUser(first());
    const session = await login(first().app, user.email);
    // The second instance accepts the token and caches the session as live.
    expect((await me(second, session.accessToken)).statusCode).toBe(200);
    const out = await first().app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: bearer(session) });
    expect(out.statusCode).toBe(200);
    // Pub/sub is asynchronous: allow the message a moment, far less than the cache TTL.
    const deadline = Date.now() + 1_000;
    let status = 200;
    while (status === 200 && Date.now() < deadline) {
      status = (await me(second, session.accessToken)).statusCode;
      if (status === 200) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(status).toBe(401);
  });
});
