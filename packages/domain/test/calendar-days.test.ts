import { describe, expect, it } from 'vitest';
import { dayInTimezone, startOfDayIn } from '../src/index.js';

describe('startOfDayIn: the first instant of a calendar day in a timezone', () => {
  it.each([
    ['2026-07-01', 'UTC', '2026-07-01T00:00:00.000Z'],
    ['2026-07-01', 'Asia/Kolkata', '2026-06-30T18:30:00.000Z'],
    ['2026-03-29', 'Europe/Berlin', '2026-03-28T23:00:00.000Z'], // the day clocks go forward (at 02:00)
    ['2026-03-30', 'Europe/Berlin', '2026-03-29T22:00:00.000Z'],
    ['2026-10-25', 'Europe/Berlin', '2026-10-24T22:00:00.000Z'], // the day clocks go back
    ['2026-03-08', 'America/New_York', '2026-03-08T05:00:00.000Z'],
    ['2018-11-04', 'America/Sao_Paulo', '2018-11-04T03:00:00.000Z'], // midnight skipped: 01:00 is the first moment
    ['2026-01-01', 'Pacific/Kiritimati', '2025-12-31T10:00:00.000Z'],
    ['2026-01-01', 'Pacific/Pago_Pago', '2026-01-01T11:00:00.000Z'],
  ])('%s in %s begins at %s', (day, zone, instant) => {
    const start = startOfDayIn(day, zone);
    expect(start.toISOString()).toBe(instant);
    expect(dayInTimezone(start, zone)).toBe(day);
    expect(dayInTimezone(new Date(start.getTime() - 1), zone)).not.toBe(day);
  });
});
