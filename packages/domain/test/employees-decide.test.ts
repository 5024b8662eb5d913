import { describe, expect, it } from 'vitest';
import {
  addDays,
  checkProfileDates,
  type DomainError,
  dateOfBirthBounds,
  decideManagerChange,
  decideProfileUpdate,
  directorySearchTermsOf,
  type EmployeeRecord,
  isDomainError,
  JOIN_DATE_MIN,
  joinDateBounds,
  MAX_REPORTING_DEPTH,
  profileFieldsOf,
  requireProfileFields,
  searchKeysOf,
  shiftYears,
  type UpdateEmployeeInput,
} from '../src/index.js';

const TODAY = '2026-03-15';
const ID = 'a'.repeat(24);
const SKILL = 'b'.repeat(24);
const OTHER_SKILL = 'c'.repeat(24);
const MANAGER = 'd'.repeat(24);

const profile = (changes: Partial<EmployeeRecord> = {}): EmployeeRecord => ({
  id: ID,
  name: 'Ada Lovelace',
  email: 'ada@example.com',
  status: 'active',
  accountVersion: 1,
  designationId: null,
  department: null,
  managerId: null,
  joinDate: null,
  workingHoursPerDay: null,
  workLocation: null,
  skills: [{ catalogId: SKILL, level: 3 }],
  hobbyIds: [],
  bio: '',
  contact: {},
  personal: null,
  image: null,
  capacity: { allocationPercent: 0, overAllocated: false },
  version: 4,
  createdAt: new Date('2026-01-01T00:00:00Z'),
  updatedAt: new Date('2026-01-01T00:00:00Z'),
  ...changes,
});

const input = (changes: Partial<UpdateEmployeeInput>): UpdateEmployeeInput => ({ id: ID, version: 4, ...changes });

function errorOf(fn: () => unknown): DomainError | 'ok' {
  try {
    fn();
    return 'ok';
  } catch (error) {
    if (isDomainError(error)) return error;
    throw error;
  }
}
const codeOf = (fn: () => unknown) => {
  const error = errorOf(fn);
  return error === 'ok' ? 'ok' : error.code;
};

describe('which fields a change touches', () => {
  it.each([
    [{ bio: 'x' }, ['bio']],
    [{ designationId: null }, ['designation']],
    [{ managerId: MANAGER, joinDate: '2020-01-01' }, ['manager', 'joinDate']],
    [{ skills: [], hobbies: [] }, ['skills', 'hobbies']],
    [{ name: 'Ada King' }, ['name']],
    [{}, []],
  ] as const)('%j touches %j', (changes, fields) => {
    expect(profileFieldsOf(input(changes as Partial<UpdateEmployeeInput>))).toEqual(fields);
  });

  it('a change with nothing in it is refused (400)', () => {
    expect(codeOf(() => requireProfileFields([]))).toBe('VALIDATION_FAILED');
    expect((errorOf(() => requireProfileFields([])) as DomainError).details).toMatchObject([
      { path: '', code: 'nothing_to_change' },
    ]);
    expect(codeOf(() => requireProfileFields(['bio']))).toBe('ok');
  });
});

describe('decideProfileUpdate', () => {
  it('refuses a stale version with the current one', () => {
    const error = errorOf(() => decideProfileUpdate(profile(), input({ version: 3, bio: 'x' }), TODAY));
    expect(error).not.toBe('ok');
    expect((error as DomainError).code).toBe('VERSION_CONFLICT');
    expect((error as DomainError).details).toMatchObject({ expectedVersion: 3, currentVersion: 4 });
  });

  it.each([
    ['a plain field', { bio: 'Builds things.' }, { bio: 'Builds things.' }, []],
    ['an empty department clears it', { department: '' }, { department: null }, []],
    ['a designation is checked as a role', { designationId: MANAGER }, { designationId: MANAGER }, ['role']],
    ['removing the designation checks nothing', { designationId: null }, { designationId: null }, []],
    [
      'skills are checked, with the ones already held',
      { skills: [{ catalogId: OTHER_SKILL, level: 2 }] },
      { skills: [{ catalogId: OTHER_SKILL, level: 2 }] },
      ['skill'],
    ],
    ['hobbies are checked as hobbies', { hobbies: [OTHER_SKILL] }, { hobbyIds: [OTHER_SKILL] }, ['hobby']],
  ] as const)('%s', (_, changes, expected, checked) => {
    const plan = decideProfileUpdate(profile(), input(changes as Partial<UpdateEmployeeInput>), TODAY);
    expect(plan.changes).toEqual(expected);
    expect(plan.assignments.map((a) => a.type)).toEqual(checked);
    expect(plan.newManager).toBeUndefined();
  });

  it('keeps the skills already held for the deactivated-item rule', () => {
    const plan = decideProfileUpdate(profile(), input({ skills: [{ catalogId: SKILL, level: 5 }] }), TODAY);
    expect(plan.assignments).toEqual([{ type: 'skill', ids: [SKILL], current: [SKILL], field: 'skills' }]);
  });

  it.each([
    ['a new manager', null, MANAGER, MANAGER],
    ['no manager any more', MANAGER, null, null],
    ['the same manager', MANAGER, MANAGER, undefined],
    ['still none', null, null, undefined],
  ] as const)('the reporting line changes for %s', (_, current, next, newManager) => {
    const plan = decideProfileUpdate(profile({ managerId: current }), input({ managerId: next }), TODAY);
    expect(plan.newManager).toBe(newManager);
    expect(plan.changes.managerId).toBe(next);
  });

  it('a rename is handed on as such', () => {
    expect(decideProfileUpdate(profile(), input({ name: 'Ada King' }), TODAY).rename).toBe('Ada King');
  });

  it('checks dates against today', () => {
    expect(codeOf(() => decideProfileUpdate(profile(), input({ joinDate: '2099-01-01' }), TODAY))).toBe(
      'VALIDATION_FAILED',
    );
    expect(decideProfileUpdate(profile(), input({ joinDate: '2027-03-15' }), TODAY).changes.joinDate).toBe(
      '2027-03-15',
    );
  });
});

describe('dates with a meaning', () => {
  it('join dates run from 1900 to a year from today', () => {
    expect(joinDateBounds(TODAY)).toEqual({ min: JOIN_DATE_MIN, max: '2027-03-15' });
    const table: [string | null, string][] = [
      [null, 'ok'],
      ['1900-01-01', 'ok'],
      ['1899-12-31', 'VALIDATION_FAILED'],
      [TODAY, 'ok'],
      ['2027-03-15', 'ok'],
      ['2027-03-16', 'VALIDATION_FAILED'],
      ['2099-01-01', 'VALIDATION_FAILED'],
    ];
    for (const [joinDate, code] of table) {
      expect(
        codeOf(() => checkProfileDates({ joinDate }, TODAY)),
        String(joinDate),
      ).toBe(code);
    }
    const error = errorOf(() => checkProfileDates({ joinDate: '2099-01-01' }, TODAY)) as DomainError;
    expect(error.details).toEqual([
      {
        path: 'joinDate',
        message: 'must lie between 1900-01-01 and 2027-03-15',
        code: 'out_of_range',
        min: '1900-01-01',
        max: '2027-03-15',
      },
    ]);
  });

  it('birthdays are of people 14 to 120 years old', () => {
    expect(dateOfBirthBounds(TODAY)).toEqual({ min: '1906-03-15', max: '2012-03-15' });
    const table: [string, string][] = [
      ['2012-03-15', 'ok'],
      ['2012-03-16', 'VALIDATION_FAILED'],
      [TODAY, 'VALIDATION_FAILED'],
      ['2030-01-01', 'VALIDATION_FAILED'],
      ['1906-03-15', 'ok'],
      ['1906-03-14', 'VALIDATION_FAILED'],
      ['1990-07-01', 'ok'],
    ];
    for (const [dateOfBirth, code] of table) {
      expect(
        codeOf(() => checkProfileDates({ personal: { dateOfBirth } }, TODAY)),
        dateOfBirth,
      ).toBe(code);
    }
    const error = errorOf(() => checkProfileDates({ personal: { dateOfBirth: TODAY } }, TODAY)) as DomainError;
    expect(error.details).toMatchObject([
      { path: 'personal.dateOfBirth', code: 'out_of_range', min: '1906-03-15', max: '2012-03-15' },
    ]);
  });

  it('shifts years across leap days', () => {
    expect(shiftYears('2024-02-29', 1)).toBe('2025-02-28');
    expect(shiftYears('2024-02-29', 4)).toBe('2028-02-29');
    expect(shiftYears('2026-12-31', -120)).toBe('1906-12-31');
    expect(addDays(shiftYears('2026-01-01', 1), 1)).toBe('2027-01-02');
  });
});

describe('decideManagerChange', () => {
  const line = (status: 'active' | 'archived', managers: string[] = []) => ({ id: MANAGER, status, managers });

  it.each([
    ['nobody', null, 0, 'REFERENCE_NOT_FOUND'],
    ['an archived person', line('archived'), 0, 'REFERENCE_INACTIVE'],
    ['someone reporting to the person', line('active', ['x', ID]), 0, 'REPORTING_CYCLE'],
    [
      'a line too deep',
      line(
        'active',
        Array.from({ length: MAX_REPORTING_DEPTH - 1 }, (_, i) => `m${i}`),
      ),
      0,
      'REPORTING_TOO_DEEP',
    ],
    ['an active manager', line('active', ['x']), 3, 'ok'],
  ] as const)('%s', (_, manager, depth, code) => {
    expect(codeOf(() => decideManagerChange(ID, MANAGER, manager, depth))).toBe(code);
  });

  it('names the field and the id', () => {
    expect((errorOf(() => decideManagerChange(ID, MANAGER, null, 0)) as DomainError).details).toEqual({
      field: 'managerId',
      id: MANAGER,
    });
    expect((errorOf(() => decideManagerChange(ID, MANAGER, line('archived'), 0)) as DomainError).details).toEqual({
      field: 'managerId',
      id: MANAGER,
      status: 'archived',
    });
  });

  it('self-management is a loop', () => {
    expect(codeOf(() => decideManagerChange(ID, ID, { id: ID, status: 'active', managers: [] }, 0))).toBe(
      'REPORTING_CYCLE',
    );
  });
});

describe('directory search keys', () => {
  it('fold accents on both sides', () => {
    expect(searchKeysOf('Łucja Wójcik-Żak', 'Lucja.Wojcik@Example.com')).toEqual([
      'lucja',
      'wojcik',
      'zak',
      'lucja.wojcik@example.com',
    ]);
    expect(directorySearchTermsOf('  WÓJCIK łuc ')).toEqual(['wojcik', 'luc']);
    expect(directorySearchTermsOf('Zoë.M@')).toEqual(['zoe.m@']);
    expect(directorySearchTermsOf('a b c d e f g')).toHaveLength(5);
  });
});
