import { describe, expect, it } from 'vitest';
import { checkReportingLine, MAX_REPORTING_DEPTH } from '../src/employees/reporting-lines.js';
import { isDomainError } from '../src/errors/domain-error.js';

const codeOf = (fn: () => void) => {
  try {
    fn();
    return 'ok';
  } catch (error) {
    return isDomainError(error) ? error.code : 'thrown';
  }
};

describe('reporting lines', () => {
  it('refuses self-management and loops through the new manager’s chain, naming the loop', () => {
    expect(codeOf(() => checkReportingLine('a', 'a', []))).toBe('REPORTING_CYCLE');
    expect(codeOf(() => checkReportingLine('a', 'c', ['b', 'a', 'x']))).toBe('REPORTING_CYCLE');
    try {
      checkReportingLine('a', 'c', ['b', 'a', 'x']);
    } catch (error) {
      expect(isDomainError(error) && error.details).toMatchObject({ loop: ['c', 'b', 'a'] });
    }
    expect(codeOf(() => checkReportingLine('a', 'c', ['b', 'x']))).toBe('ok');
  });

  it('counts the people below the one who moves: no line grows past the limit', () => {
    const chain = (n: number) => Array.from({ length: n }, (_, i) => `m${i}`);
    // Managers above + new manager + the person + their reports' levels.
    const fits = MAX_REPORTING_DEPTH - 2;
    expect(codeOf(() => checkReportingLine('a', 'new', chain(fits)))).toBe('ok');
    expect(codeOf(() => checkReportingLine('a', 'new', chain(fits + 1)))).toBe('REPORTING_TOO_DEEP');
    expect(codeOf(() => checkReportingLine('a', 'new', chain(fits - 10), 10))).toBe('ok');
    expect(codeOf(() => checkReportingLine('a', 'new', chain(fits - 10), 11))).toBe('REPORTING_TOO_DEEP');
    try {
      checkReportingLine('a', 'new', chain(fits + 1));
    } catch (error) {
      expect(isDomainError(error) && error.details).toMatchObject({
        field: 'managerId',
        limit: MAX_REPORTING_DEPTH,
        levels: MAX_REPORTING_DEPTH + 1,
      });
    }
  });
});
