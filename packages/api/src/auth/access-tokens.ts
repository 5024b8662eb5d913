import { createPrivateKey, randomUUID } from 'node:crypto';
import { DomainError } from '@seed-pms/domain';
import {
  type CryptoKey,
  createLocalJWKSet,
  errors,
  exportJWK,
  generateKeyPair,
  importPKCS8,
  type JSONWebKeySet,
  type JWK,
  jwtVerify,
  SignJWT,
} from 'jose';
import type { Config } from '../config/config.js';

const ISSUER = 'seed-pms';
const AUDIENCE = 'seed-pms-api';
const ALGORITHMS = ['EdDSA', 'ES256'] as const;
type Algorithm = (typeof ALGORITHMS)[number];

export interface AccessClaims {
  /** The user id. */
  sub: string;
  /** The session id. */
  sid: string;
  /** Expiry, seconds since the epoch. */
  exp: number;
}

export interface AccessTokens {
  readonly ttlSeconds: number;
  sign(claims: { userId: string; sessionId: string }, now: Date): Promise<string>;
  /** The token's claims; 401 UNAUTHENTICATED when it is invalid or expired. */
  verify(token: string, now: Date): Promise<AccessClaims>;
  /** The public keys (current and previous), for other services that verify our tokens. */
  jwks(): JSONWebKeySet;
}

function algorithmOf(pem: string): Algorithm {
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType === 'ed25519') return 'EdDSA';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  throw new Error('JWT_PRIVATE_KEY must be an Ed25519 or P-256 private key in PKCS#8 PEM');
}

/** Verified tokens are remembered until they expire, so a token is checked by signature once per process. */
const VERIFIED_CACHE_MAX = 10_000;

/**
 * Short-lived access tokens: JWTs signed with an asymmetric key named by `kid`
 * (JWT_KEY_ID), so keys rotate by adding the old public key to
 * JWT_PREVIOUS_KEYS. Without JWT_PRIVATE_KEY (development, tests) a key pair
 * is made per process.
 */
export async function createAccessTokens(
  config: Pick<Config, 'JWT_PRIVATE_KEY' | 'JWT_KEY_ID' | 'JWT_PREVIOUS_KEYS' | 'ACCESS_TOKEN_TTL_SECONDS'>,
): Promise<AccessTokens> {
  let alg: Algorithm;
  let privateKey: CryptoKey;
  let publicJwk: JWK;
  if (config.JWT_PRIVATE_KEY) {
    const pem = config.JWT_PRIVATE_KEY.replace(/\\n/g, '\n');
    alg = algorithmOf(pem);
    privateKey = await importPKCS8(pem, alg, { extractable: true });
    const { d: _private, ...pub } = await exportJWK(privateKey);
    publicJwk = pub;
  } else {
    alg = 'EdDSA';
    const pair = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
    privateKey = pair.privateKey;
    publicJwk = await exportJWK(pair.publicKey);
  }
  const kid = config.JWT_KEY_ID;
  const previous = config.JWT_PREVIOUS_KEYS ? (JSON.parse(config.JWT_PREVIOUS_KEYS) as JSONWebKeySet).keys : [];
  const keySet: JSONWebKeySet = { keys: [{ ...publicJwk, kid, alg, use: 'sig' }, ...previous] };
  const resolveKey = createLocalJWKSet(keySet);
  const verified = new Map<string, AccessClaims>();

  const unauthenticated = (reason: string, message: string) => new DomainError('UNAUTHENTICATED', message, { reason });

  return {
    ttlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
    sign({ userId, sessionId }, now) {
      const iat = Math.floor(now.getTime() / 1000);
      return new SignJWT({ sid: sessionId })
        .setProtectedHeader({ alg, kid, typ: 'at+jwt' })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setSubject(userId)
        .setJti(randomUUID())
        .setIssuedAt(iat)
        .setExpirationTime(iat + config.ACCESS_TOKEN_TTL_SECONDS)
        .sign(privateKey);
    },
    async verify(token, now) {
      const nowSeconds = Math.floor(now.getTime() / 1000);
      const cached = verified.get(token);
      if (cached) {
        if (cached.exp > nowSeconds) return cached;
        verified.delete(token);
        throw unauthenticated('token-expired', 'The access token has expired; refresh it');
      }
      try {
        const { payload } = await jwtVerify(token, resolveKey, {
          issuer: ISSUER,
          audience: AUDIENCE,
          algorithms: [...ALGORITHMS],
          currentDate: now,
          typ: 'at+jwt',
        });
        if (typeof payload.sub !== 'string' || typeof payload.sid !== 'string' || typeof payload.exp !== 'number') {
          throw unauthenticated('token-invalid', 'The access token is not valid');
        }
        const claims: AccessClaims = { sub: payload.sub, sid: payload.sid, exp: payload.exp };
        if (verified.size >= VERIFIED_CACHE_MAX) verified.clear();
        verified.set(token, claims);
        return claims;
      } catch (error) {
        if (error instanceof errors.JWTExpired) {
          throw unauthenticated('token-expired', 'The access token has expired; refresh it');
        }
        if (error instanceof DomainError) throw error;
        throw unauthenticated('token-invalid', 'The access token is not valid');
      }
    },
    jwks: () => ({ keys: keySet.keys.map(({ d: _private, ...pub }) => pub) }),
  };
}
