/**
 * A clock for the test app: it stands still at its start and moves only when
 * the test moves it, so "today", "past" and "planned" mean the same thing in
 * any year. Write dates relative to it (`clock.day(+30)`), never as literals.
 */
export interface TestClock {
  (): Date;
  /** Moves the clock to an instant. */
  set(at: Date | string): void;
  advance(ms: number): void;
  /** The calendar day `offset` days from the clock's current UTC day (YYYY-MM-DD). */
  day(offset?: number): string;
}

const DAY_MS = 86_400_000;

/**
 * 08:00 UTC on a Wednesday one to two weeks ahead: yesterday and today are
 * working days, and the coming days are free for planned leave.
 */
export function nextWednesdayMorning(): Date {
  const now = new Date();
  const ahead = ((10 - now.getUTCDay()) % 7) + 7;
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + ahead, 8));
}

/** A clock standing at `start` (by default the current hour, so data looks current). */
export function testClock(start?: Date | string): TestClock {
  let at = start === undefined ? Math.floor(Date.now() / 3600_000) * 3600_000 : new Date(start).getTime();
  const clock = (() => new Date(at)) as TestClock;
  clock.set = (instant) => {
    at = new Date(instant).getTime();
  };
  clock.advance = (ms) => {
    at += ms;
  };
  clock.day = (offset = 0) => new Date(Math.floor(at / DAY_MS) * DAY_MS + offset * DAY_MS).toISOString().slice(0, 10);
  return clock;
}
