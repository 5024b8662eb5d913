import { randomInt } from 'node:crypto';
import { generateSecret, generateURI, verify } from 'otplib';
import { hashToken } from './secrets.js';

const ISSUER = 'Seed PMS';
const PERIOD_SECONDS = 30;
/** One step either side, for clock drift between the phone and the server. */
const TOLERANCE_SECONDS = 30;
const RECOVERY_CODES = 10;
// No 0/o, 1/l/i: codes get read off paper.
const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

export function newTotpSecret(): string {
  return generateSecret();
}

export function totpUri(secret: string, email: string): string {
  return generateURI({ issuer: ISSUER, label: email, secret });
}

/**
 * The time step the code belongs to, or null when it does not match. Codes at
 * or before `afterStep` (the last one accepted) are refused, so a code seen
 * over someone's shoulder cannot be replayed.
 */
export async function verifyTotp(
  secret: string,
  code: string,
  now: Date,
  afterStep: number | null,
): Promise<number | null> {
  if (!/^\d{6}$/.test(code)) return null;
  const result = await verify({
    secret,
    token: code,
    epoch: Math.floor(now.getTime() / 1000),
    period: PERIOD_SECONDS,
    epochTolerance: TOLERANCE_SECONDS,
    ...(afterStep === null ? {} : { afterTimeStep: afterStep }),
  });
  // The TOTP result carries the matched step (the union type also covers HOTP's).
  return result.valid ? (result as { timeStep: number }).timeStep : null;
}

export function isTotpFormat(code: string): boolean {
  return /^\d{6}$/.test(code.trim());
}

export function newRecoveryCodes(): string[] {
  const pick = () => RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)];
  return Array.from({ length: RECOVERY_CODES }, () => {
    const chars = Array.from({ length: 10 }, pick).join('');
    return `${chars.slice(0, 5)}-${chars.slice(5)}`;
  });
}

/** Recovery codes are compared without case or the dash. */
export function hashRecoveryCode(code: string): string {
  return hashToken(`recovery:${code.trim().toLowerCase().replace(/-/g, '')}`);
}
