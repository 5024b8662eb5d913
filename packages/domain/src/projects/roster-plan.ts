import { addDays, dayNumber, endDayNumber } from '../common/calendar-days.js';
import type { RosterRole } from './project.schemas.js';

/**
 * One stretch of a person's time on one project with one role and
 * allocation. Segments are never edited: a change retires some and creates
 * others, so the history keeps every plan that was ever in force.
 */
export interface MemberSegment {
  id: string;
  role: RosterRole;
  percent: number;
  start: string;
  /** Last day included; null: open-ended (until the project ends). */
  end: string | null;
}

export type RosterChange =
  /** A new stint from `start` to `end`; must not overlap the person's other days on the project. */
  | { kind: 'add'; role: RosterRole; percent: number; start: string; end: string | null }
  /**
   * From `from` on, the new role or allocation; `start` moves the first day,
   * `end` the last one (null: open-ended).
   */
  | {
      kind: 'update';
      from: string;
      role?: RosterRole | undefined;
      percent?: number | undefined;
      start?: string | undefined;
      end?: string | null | undefined;
    }
  /** Off the project after `lastDay` (removal, archiving): later days are dropped. */
  | { kind: 'end'; lastDay: string }
  /** Only the days from `first` to `last` (null: no end) stay (a project's period shrank). */
  | { kind: 'clip'; first: string; last: string | null };

export interface RosterPlan {
  /** Segments that stay as they are. */
  keep: MemberSegment[];
  /** Segments no longer in force (kept in the history as superseded). */
  retire: MemberSegment[];
  /** New segments (with ids from `newId`). */
  create: MemberSegment[];
}

type Piece = Omit<MemberSegment, 'id'>;

function sorted<T extends Piece>(pieces: readonly T[]): T[] {
  return [...pieces].sort((a, b) => dayNumber(a.start) - dayNumber(b.start));
}

/** Adjacent pieces with the same role and allocation become one. */
function merged(pieces: readonly Piece[]): Piece[] {
  const out: Piece[] = [];
  for (const piece of sorted(pieces)) {
    const last = out.at(-1);
    if (
      last &&
      last.end !== null &&
      dayNumber(last.end) + 1 === dayNumber(piece.start) &&
      last.role === piece.role &&
      last.percent === piece.percent
    ) {
      last.end = piece.end;
    } else {
      out.push({ ...piece });
    }
  }
  return out;
}

/** The days a person has on the project, as pieces, after a change. */
function apply(current: readonly MemberSegment[], change: RosterChange): Piece[] {
  const pieces: Piece[] = sorted(current).map(({ id: _id, ...piece }) => piece);
  switch (change.kind) {
    case 'add':
      return [...pieces, { role: change.role, percent: change.percent, start: change.start, end: change.end }];
    case 'end': {
      const last = dayNumber(change.lastDay);
      return pieces
        .filter((p) => dayNumber(p.start) <= last)
        .map((p) => (endDayNumber(p.end) > last ? { ...p, end: change.lastDay } : p));
    }
    case 'clip': {
      const [first, last] = [dayNumber(change.first), endDayNumber(change.last)];
      return pieces
        .filter((p) => dayNumber(p.start) <= last && endDayNumber(p.end) >= first)
        .map((p) => ({
          ...p,
          start: dayNumber(p.start) < first ? change.first : p.start,
          end: endDayNumber(p.end) > last ? change.last : p.end,
        }));
    }
    case 'update': {
      let out = pieces;
      if (change.start !== undefined && out.length > 0) {
        const start = dayNumber(change.start);
        out = out.filter((p) => endDayNumber(p.end) >= start);
        const first = out[0];
        if (first) out[0] = { ...first, start: change.start };
        else out = [{ ...(pieces.at(-1) as Piece), start: change.start }];
      }
      if (change.end !== undefined && out.length > 0) {
        const end = endDayNumber(change.end);
        const kept = out.filter((p) => dayNumber(p.start) <= end);
        const last = kept.at(-1);
        // Only the last stint stretches to a later end; an end falling in a gap cuts, never fills it.
        if (last && kept.length === out.length) kept[kept.length - 1] = { ...last, end: change.end };
        else if (last && endDayNumber(last.end) > end) kept[kept.length - 1] = { ...last, end: change.end };
        out = kept;
      }
      if (change.role === undefined && change.percent === undefined) return out;
      const from = dayNumber(change.from);
      const changed = (p: Piece): Piece => ({
        ...p,
        role: change.role ?? p.role,
        percent: change.percent ?? p.percent,
      });
      return out.flatMap((p) => {
        if (endDayNumber(p.end) < from) return [p];
        if (dayNumber(p.start) >= from) return [changed(p)];
        return [{ ...p, end: addDays(change.from, -1) }, changed({ ...p, start: change.from })];
      });
    }
  }
}

/**
 * What a roster change does to one person's segments on one project: which
 * stay, which are retired and which are created. Pieces that come out
 * unchanged keep their segment (and id); adjacent pieces with the same role and
 * allocation are joined. The planning core of decideRosterChange
 * (roster.decide.ts), which checks the dates against the project's period and
 * overlaps for `add`.
 */
export function planRosterChange(
  current: readonly MemberSegment[],
  change: RosterChange,
  newId: () => string,
): RosterPlan {
  const next = merged(apply(current, change)).filter((p) => dayNumber(p.start) <= endDayNumber(p.end));
  const keep: MemberSegment[] = [];
  const create: MemberSegment[] = [];
  const unmatched = new Map(current.map((s) => [s.id, s]));
  for (const piece of next) {
    const same = [...unmatched.values()].find(
      (s) => s.start === piece.start && s.end === piece.end && s.role === piece.role && s.percent === piece.percent,
    );
    if (same) {
      keep.push(same);
      unmatched.delete(same.id);
    } else {
      create.push({ id: newId(), ...piece });
    }
  }
  return { keep, retire: [...unmatched.values()], create };
}

/**
 * Whether a plan changes anything before `today`: the person's days, roles or
 * allocations up to yesterday, compared piece by piece. Leads and members
 * plan from today on; rewriting the past is a correction for Managers.
 */
export function changesPast(current: readonly MemberSegment[], plan: RosterPlan, today: string): boolean {
  const yesterday = dayNumber(today) - 1;
  const past = (segments: readonly MemberSegment[]) =>
    merged(
      segments
        .filter((s) => dayNumber(s.start) <= yesterday)
        .map(({ id: _id, ...piece }) => ({
          ...piece,
          end: endDayNumber(piece.end) > yesterday ? addDays(today, -1) : piece.end,
        })),
    );
  const before = past(current);
  const after = past([...plan.keep, ...plan.create]);
  return (
    before.length !== after.length ||
    before.some((p, i) => {
      const q = after[i] as Piece;
      return p.start !== q.start || p.end !== q.end || p.role !== q.role || p.percent !== q.percent;
    })
  );
}
