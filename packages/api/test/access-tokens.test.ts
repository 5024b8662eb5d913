import { generateKeyPairSync } from 'node:crypto';
import { exportJWK, importSPKI } from 'jose';
import { describe, expect, it } from 'vitest';
import { createAccessTokens } from '../src/auth/access-tokens.js';

const pem = (type: 'ed25519' | 'ec') => {
  const pair =
    type === 'ed25519' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return {
    privatePem: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicPem: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
};
const config = (extra: Record<string, string | undefined> = {}) => ({
  JWT_KEY_ID: 'k1',
  ACCESS_TOKEN_TTL_SECONDS: 900,
  JWT_PRIVATE_KEY: undefined,
  JWT_PREVIOUS_KEYS: undefined,
  ...extra,
});
const now = new Date('2026-11-24T12:00:00Z');
const claims = { userId: '665f1c2e8b3a4d0012345678', sessionId: '665f1c2e8b3a4d0012345679' };

describe('access tokens', () => {
  it.each(['ed25519', 'ec'] as const)('signs and verifies with a configured %s key, naming it by kid', async (type) => {
    const tokens = await createAccessTokens(config({ JWT_PRIVATE_KEY: pem(type).privatePem }));
    const token = await tokens.sign(claims, now);
    const header = JSON.parse(Buffer.from(token.split('.')[0] as string, 'base64url').toString());
    expect(header).toMatchObject({ kid: 'k1', alg: type === 'ed25519' ? 'EdDSA' : 'ES256', typ: 'at+jwt' });
    expect(await tokens.verify(token, now)).toMatchObject({ sub: claims.userId, sid: claims.sessionId });
  });

  it('expires after the TTL', async () => {
    const tokens = await createAccessTokens(config());
    const token = await tokens.sign(claims, now);
    const later = new Date(now.getTime() + 901_000);
    await expect(tokens.verify(token, later)).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
      details: { reason: 'token-expired' },
    });
    // Also once the token sits in the verified-token cache.
    await tokens.verify(token, now);
    await expect(tokens.verify(token, later)).rejects.toMatchObject({ details: { reason: 'token-expired' } });
  });

  it('keeps accepting tokens of a rotated-out key listed in JWT_PREVIOUS_KEYS, and only then', async () => {
    const old = pem('ed25519');
    const oldTokens = await createAccessTokens(config({ JWT_PRIVATE_KEY: old.privatePem, JWT_KEY_ID: 'old' }));
    const token = await oldTokens.sign(claims, now);
    const publicJwk = { ...(await exportJWK(await importSPKI(old.publicPem, 'EdDSA'))), kid: 'old', alg: 'EdDSA' };
    const rotated = await createAccessTokens(
      config({
        JWT_PRIVATE_KEY: pem('ed25519').privatePem,
        JWT_KEY_ID: 'new',
        JWT_PREVIOUS_KEYS: JSON.stringify({ keys: [publicJwk] }),
      }),
    );
    expect((await rotated.verify(token, now)).sub).toBe(claims.userId);
    expect(rotated.jwks().keys.map((k) => k.kid)).toEqual(['new', 'old']);
    const forgotten = await createAccessTokens(
      config({ JWT_PRIVATE_KEY: pem('ed25519').privatePem, JWT_KEY_ID: 'new' }),
    );
    await expect(forgotten.verify(token, now)).rejects.toMatchObject({ details: { reason: 'token-invalid' } });
  });

  it('refuses a token signed by another key under the same kid', async () => {
    const ours = await createAccessTokens(config());
    const theirs = await createAccessTokens(config());
    await expect(ours.verify(await theirs.sign(claims, now), now)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });
});
