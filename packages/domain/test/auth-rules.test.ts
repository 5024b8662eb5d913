import { describe, expect, it } from 'vitest';
import { assertPasswordAcceptable, describeDevice, lockDurationMs, passwordProblems } from '../src/index.js';

describe('the password policy', () => {
  it.each([
    ['short', ['too-short']],
    ['Password2024!', ['common']],
    ['P@ssw0rd12345', ['common']],
    ['qwertyuiop123', ['common']],
    ['aaaaaaaaaaaaaaa', ['repetitive']],
    ['abcdefghijklmn', ['repetitive']],
    ['correct horse battery staple', []],
    ['a'.repeat(300), ['too-long', 'repetitive']],
  ])('%s → %j', (password, problems) => {
    expect(passwordProblems(password)).toEqual(problems);
  });

  it('refuses the email or its local part', () => {
    expect(passwordProblems('Ada.Lovelace@Example.com', { email: 'ada.lovelace@example.com' })).toContain(
      'same-as-email',
    );
    expect(passwordProblems('ada.lovelace2024', { email: 'ada.lovelace@example.com' })).toContain('same-as-email');
  });

  it('throws WEAK_PASSWORD with the reasons', () => {
    expect(() => assertPasswordAcceptable('short')).toThrow(expect.objectContaining({ code: 'WEAK_PASSWORD' }));
  });
});

describe('lockout periods', () => {
  it('grow with each lock in a row, up to a day', () => {
    expect([1, 2, 3, 4].map(lockDurationMs)).toEqual([60_000, 240_000, 960_000, 3_840_000]);
    expect(lockDurationMs(20)).toBe(24 * 3600_000);
  });
});

describe('device labels', () => {
  it.each([
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36', 'Chrome on Windows'],
    [
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1',
      'Safari on iOS',
    ],
    [
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/537.36 Chrome/131.0 Safari/537.36 Edg/131.0',
      'Edge on macOS',
    ],
    ['curl/8.5.0', 'curl'],
    [null, 'Unknown device'],
  ])('%s', (agent, label) => {
    expect(describeDevice(agent)).toBe(label);
  });
});
