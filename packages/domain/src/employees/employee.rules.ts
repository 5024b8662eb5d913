import { foldForSearch, searchTermsOf, searchWordsOf } from '../common/text.js';
import { validationFailed } from '../errors/domain-error.js';
import type { FieldIssue } from '../errors/error-envelope.js';
import {
  EMPLOYEE_INPUT_FIELDS,
  type EmployeeField,
  type PersonalInfo,
  type UpdateEmployeeInput,
} from './employee.schemas.js';

/** The ability fields a PATCH touches (what the field-level rules are checked on). */
export function profileFieldsOf(input: UpdateEmployeeInput): EmployeeField[] {
  const keys = (Object.keys(input) as (keyof UpdateEmployeeInput)[]).filter(
    (key) => key !== 'id' && key !== 'version' && input[key] !== undefined,
  );
  return [...new Set(keys.map((key) => EMPLOYEE_INPUT_FIELDS[key as keyof typeof EMPLOYEE_INPUT_FIELDS]))];
}

/** 400 when a PATCH names nothing to change. */
export function requireProfileFields(fields: readonly EmployeeField[]): void {
  if (fields.length === 0) {
    throw validationFailed('Nothing to change: name at least one field besides id and version', [
      { path: '', message: 'name at least one field besides id and version', code: 'nothing_to_change' },
    ]);
  }
}

// ---------------------------------------------------------------------------
// Dates with a meaning

/** Nobody's join date lies before this day. */
export const JOIN_DATE_MIN = '1900-01-01';
/** A join date may be planned at most this many years ahead of today (a signed offer). */
export const JOIN_DATE_MAX_YEARS_AHEAD = 1;
/** The youngest a person with a profile can be, in years (apprentices and interns included). */
export const MIN_AGE_YEARS = 14;
/** The oldest a person with a profile can plausibly be, in years. */
export const MAX_AGE_YEARS = 120;

/**
 * The calendar day `years` years from `day` (YYYY-MM-DD); 29 February becomes
 * 28 February in a year without one.
 */
export function shiftYears(day: string, years: number): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const year = y + years;
  const lastDay = new Date(Date.UTC(year, m, 0)).getUTCDate();
  return `${String(year).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(Math.min(d, lastDay)).padStart(2, '0')}`;
}

export interface DayBounds {
  min: string;
  max: string;
}

/** Join dates from 1900 to a year from today. */
export function joinDateBounds(today: string): DayBounds {
  return { min: JOIN_DATE_MIN, max: shiftYears(today, JOIN_DATE_MAX_YEARS_AHEAD) };
}

/** Birthdays of people between MIN_AGE_YEARS and MAX_AGE_YEARS old today. */
export function dateOfBirthBounds(today: string): DayBounds {
  return { min: shiftYears(today, -MAX_AGE_YEARS), max: shiftYears(today, -MIN_AGE_YEARS) };
}

/** A day outside its bounds, as a field issue that also carries both bounds. */
export interface DayOutOfRangeIssue extends FieldIssue {
  code: 'out_of_range';
  min: string;
  max: string;
}

function checkDay(path: string, value: string, bounds: DayBounds, what: string): void {
  if (value < bounds.min || value > bounds.max) {
    const issue: DayOutOfRangeIssue = {
      path,
      message: `must lie between ${bounds.min} and ${bounds.max}`,
      code: 'out_of_range',
      min: bounds.min,
      max: bounds.max,
    };
    throw validationFailed(`${what} must lie between ${bounds.min} and ${bounds.max}`, [issue]);
  }
}

/**
 * Dates with a meaning get sane bounds: a join date from 1900 to a year ahead
 * of today, a birthday of someone 14 to 120 years old. 400 VALIDATION_FAILED
 * otherwise, with the issue as input validation answers it (`path`, `message`,
 * `code: 'out_of_range'`) and both bounds (`min`, `max`). `today` is the organisation's
 * calendar day (YYYY-MM-DD).
 */
export function checkProfileDates(
  input: { joinDate?: string | null | undefined; personal?: PersonalInfo | undefined },
  today: string,
): void {
  if (input.joinDate) checkDay('joinDate', input.joinDate, joinDateBounds(today), 'The join date');
  const birthday = input.personal?.dateOfBirth;
  if (birthday) checkDay('personal.dateOfBirth', birthday, dateOfBirthBounds(today), 'The date of birth');
}

// ---------------------------------------------------------------------------
// Directory search

/**
 * Words a directory search matches by prefix: each word of the name, and the
 * email, folded (lower case, accents and marks removed) so that `wojcik` and
 * `wójcik` find the same people.
 */
export function searchKeysOf(name: string, email: string): string[] {
  return [...new Set([...searchWordsOf(name), foldForSearch(email.trim())])];
}

/** The terms of a directory search (see searchTermsOf in common/text.ts). */
export const directorySearchTermsOf = searchTermsOf;
