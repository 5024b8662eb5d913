import { DomainError } from '../errors/domain-error.js';
import { COMMON_PASSWORD_STEMS } from './common-passwords.js';

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;

export type PasswordProblem = 'too-short' | 'too-long' | 'same-as-email' | 'common' | 'repetitive';

const SUBSTITUTIONS: Record<string, string> = {
  '0': 'o',
  '1': 'i',
  '3': 'e',
  '4': 'a',
  '5': 's',
  '7': 't',
  '@': 'a',
  $: 's',
};

function stem(password: string): string {
  const lower = password.toLowerCase();
  // Drop what people append to a word to pass composition rules: digits, symbols, years.
  const trimmed = lower.replace(/[^a-z]+$/u, '') || lower;
  return trimmed.replace(/[013457@$]/g, (c) => SUBSTITUTIONS[c] ?? c);
}

/** One character or one short chunk repeated ("aaaaaaaaaaaa", "abcabcabcabc"), or a plain run ("abcdefghijkl"). */
function isRepetitive(password: string): boolean {
  const s = password.toLowerCase();
  for (let size = 1; size <= 4; size += 1) {
    if (s.length % size === 0 && s.slice(0, size).repeat(s.length / size) === s) return true;
  }
  let ascending = true;
  let descending = true;
  for (let i = 1; i < s.length; i += 1) {
    const step = s.charCodeAt(i) - s.charCodeAt(i - 1);
    if (step !== 1) ascending = false;
    if (step !== -1) descending = false;
  }
  return ascending || descending;
}

/**
 * The password policy (NIST SP 800-63B style: length over composition rules):
 * at least 12 characters, not the account's email (or its local part), not a
 * common password or a decorated common word, not a trivial repetition.
 * Returns the problems found; an empty list means acceptable.
 */
export function passwordProblems(password: string, context: { email?: string | undefined } = {}): PasswordProblem[] {
  const problems: PasswordProblem[] = [];
  if ([...password].length < PASSWORD_MIN_LENGTH) problems.push('too-short');
  if (password.length > PASSWORD_MAX_LENGTH) problems.push('too-long');
  const lower = password.trim().toLowerCase();
  if (context.email) {
    const email = context.email.trim().toLowerCase();
    const local = email.split('@')[0] ?? email;
    if (lower === email || lower === local || stem(password) === stem(local)) problems.push('same-as-email');
  }
  if (COMMON_PASSWORD_STEMS.has(lower) || COMMON_PASSWORD_STEMS.has(stem(password))) problems.push('common');
  if (isRepetitive(password)) problems.push('repetitive');
  return problems;
}

const MESSAGES: Record<PasswordProblem, string> = {
  'too-short': `must be at least ${PASSWORD_MIN_LENGTH} characters`,
  'too-long': `must be at most ${PASSWORD_MAX_LENGTH} characters`,
  'same-as-email': 'must not be your email address',
  common: 'is too common; choose something others would not guess',
  repetitive: 'must not be a repeated or sequential pattern',
};

/** Throws 422 WEAK_PASSWORD with the reasons when the password fails the policy. */
export function assertPasswordAcceptable(password: string, context: { email?: string | undefined } = {}): void {
  const problems = passwordProblems(password, context);
  if (problems.length === 0) return;
  throw new DomainError('WEAK_PASSWORD', `The password ${problems.map((p) => MESSAGES[p]).join('; ')}`, {
    reasons: problems,
  });
}
