import type { LeaveProfile, NewLedgerEntry } from '@seed-pms/db';
import {
  type AccrualCredit,
  accrualSchedule,
  addDays,
  availableOf,
  type BalanceTotals,
  balanceAsOf,
  carryExpiresOn,
  carryForwardOf,
  dayInTimezone,
  decideHold,
  type Employment,
  expiringCarry,
  fromHundredths,
  insufficientBalance,
  type LeaveBalanceLine,
  type LeaveRequestRecord,
  type LeaveTypeRecord,
  type LedgerEntryRecord,
  projectLedger,
} from '@seed-pms/domain';
import type { ServiceDeps } from '../app/deps.js';
import type { SettingsService } from '../settings/settings.service.js';
import type { LeaveSetupInternals } from './leave-setup.service.js';

/** A type keeps a balance when it accrues; `none` types are counted, not checked. */
export const tracked = (type: LeaveTypeRecord) => type.accrual !== 'none' && type.yearlyEntitlement !== null;

const termsOf = (type: LeaveTypeRecord) => ({ accrual: type.accrual, entitlement: type.yearlyEntitlement });

/** The accrual periods already in the ledger (keys `accrual:<period>`). */
function postedPeriods(lines: readonly Pick<LedgerEntryRecord, 'kind' | 'key'>[]): Set<string> {
  return new Set(lines.filter((l) => l.kind === 'accrual').map((l) => l.key.slice('accrual:'.length)));
}

/** A balance line in units from totals in hundredths. */
export function balanceLine(
  type: LeaveTypeRecord,
  totals: BalanceTotals,
  expiresOn: string | null,
): Omit<LeaveBalanceLine, 'type'> {
  return {
    tracked: tracked(type),
    entitled: fromHundredths(totals.entitled),
    accrued: fromHundredths(totals.accrued),
    carried: fromHundredths(totals.carried),
    carryExpiresOn: expiresOn,
    expired: fromHundredths(totals.expired),
    adjusted: fromHundredths(totals.adjusted),
    taken: fromHundredths(totals.taken),
    pending: fromHundredths(totals.pending),
    available: fromHundredths(availableOf(totals)),
    allowNegative: fromHundredths(type.allowNegative),
  };
}

/** The employment a schedule is pro-rata to. */
export const employmentOf = (person: Pick<LeaveProfile, 'joinDate'>, leftOn: string | null): Employment => ({
  joinDate: person.joinDate,
  leftOn,
});

/** An entry that is no request's (credits, carry, adjustments): who, which type and year, what and when. */
function creditOf(
  where: { userId: string; typeId: string; year: number },
  entry: Pick<NewLedgerEntry, 'key' | 'kind' | 'amount' | 'effectiveDate'> &
    Partial<Pick<NewLedgerEntry, 'reason' | 'by' | 'carryExpiresOn'>>,
): NewLedgerEntry {
  return { ...where, days: null, requestId: null, reason: null, by: null, ...entry };
}

export type LedgerEntryInput = Omit<
  LedgerEntryRecord,
  'id' | 'createdAt' | 'year' | 'userId' | 'typeId' | 'by' | 'reason'
> &
  Partial<Pick<LedgerEntryRecord, 'by' | 'reason'>>;

/**
 * Balances kept as a ledger: every change is an entry, `leave_balances` its
 * projection. Holds, approvals, releases and restores of requests; the
 * accrual and carry-forward jobs; the rebuild that checks every projection.
 */
export function createLeaveBalances(
  deps: Pick<ServiceDeps, 'repos' | 'logger'>,
  services: { settings: SettingsService; setup: LeaveSetupInternals },
) {
  const { leaveLedger, employees, users } = deps.repos;
  const { settings, setup } = services;

  const timezone = async (now: Date) => (await settings.current(now)).organization.timezone;

  /** The day someone left (their archive day), or null. */
  async function leftOn(userId: string, now: Date): Promise<string | null> {
    const user = await users.get(userId);
    if (!user || user.status !== 'archived' || !user.archivedAt) return null;
    return dayInTimezone(user.archivedAt, await timezone(now));
  }

  /** A person's balance of one type for a year, as it will stand on `asOf`. */
  async function totalsAsOf(type: LeaveTypeRecord, person: LeaveProfile, year: number, asOf: string, now: Date) {
    const lines = await leaveLedger.lines(person.id, type.id, year);
    const schedule = accrualSchedule(termsOf(type), employmentOf(person, await leftOn(person.id, now)), year);
    const expiresOn = lines.find((l) => l.kind === 'carryIn')?.carryExpiresOn ?? null;
    const totals = balanceAsOf({ lines, schedule, posted: postedPeriods(lines), expiresOn, asOf });
    return { totals, expiresOn, stored: availableOf(projectLedger(lines)) };
  }

  const entryFor = (request: LeaveRequestRecord, entry: LedgerEntryInput) => ({
    userId: request.userId,
    typeId: request.typeId,
    year: request.year,
    by: null,
    reason: null,
    ...entry,
  });

  return {
    totalsAsOf,

    /**
     * Holds the request's days: refused with 422 INSUFFICIENT_BALANCE when
     * the balance on its first day would go below what the type allows.
     * `releasing` is the amount of the same type and year an edit gives back
     * right after.
     */
    async hold(request: LeaveRequestRecord, type: LeaveTypeRecord, person: LeaveProfile, now: Date, releasing = 0) {
      const entry = entryFor(request, {
        key: request.holdKey,
        kind: 'hold',
        amount: request.amount,
        effectiveDate: request.startDate,
        days: request.days,
        requestId: request.id,
      });
      if (!tracked(type)) {
        await leaveLedger.post(entry, now);
        return;
      }
      const { totals, stored } = await totalsAsOf(type, person, request.year, request.startDate, now);
      const available = availableOf(totals) + releasing;
      const { minStored } = decideHold({
        tracked: true,
        available,
        stored: stored + releasing,
        amount: request.amount,
        allowNegative: type.allowNegative,
      });
      const outcome = await leaveLedger.post(entry, now, minStored === null ? null : minStored - releasing);
      if (outcome === 'refused') {
        // Another hold got in first: the balance as it stands now.
        const again = await totalsAsOf(type, person, request.year, request.startDate, now);
        throw insufficientBalance(availableOf(again.totals) + releasing, request.amount, type.allowNegative);
      }
    },
    /** The request's hold given back (rejected, withdrawn, or replaced by an edit): once per hold. */
    release: (request: LeaveRequestRecord, now: Date) =>
      leaveLedger.post(
        entryFor(request, {
          key: `release:${request.holdKey}`,
          kind: 'release',
          amount: request.amount,
          effectiveDate: request.startDate,
          days: request.days,
          requestId: request.id,
        }),
        now,
      ),
    /** A hold nothing owns any more (a stop between its write and the request's) given back. */
    releaseHold: (hold: LedgerEntryRecord, now: Date) =>
      leaveLedger.post(
        {
          userId: hold.userId,
          typeId: hold.typeId,
          year: hold.year,
          key: `release:${hold.key}`,
          kind: 'release',
          amount: hold.amount,
          effectiveDate: hold.effectiveDate,
          days: hold.days,
          requestId: hold.requestId,
          reason: 'no request holds these days',
          by: null,
        },
        now,
      ),
    /** The approval: the hold becomes taken (once per request: approval is final). */
    take: (request: LeaveRequestRecord, now: Date) =>
      leaveLedger.post(
        entryFor(request, {
          key: `take:${request.id}`,
          kind: 'take',
          amount: request.amount,
          effectiveDate: request.startDate,
          days: request.days,
          requestId: request.id,
        }),
        now,
      ),
    /** Approved days given back (cancelled, or cut short from a day). */
    restore: (request: LeaveRequestRecord, amount: number, days: [string, number][], by: string, now: Date) =>
      leaveLedger.post(
        entryFor(request, {
          key: `restore:${request.id}`,
          kind: 'restore',
          amount,
          effectiveDate: days[0]?.[0] ?? request.startDate,
          days,
          requestId: request.id,
          by,
        }),
        now,
      ),
    /** HR's adjustment: an entry of its own, never an overwrite. */
    adjust: (
      input: { userId: string; typeId: string; year: number; amount: number; reason: string; by: string; key: string },
      now: Date,
    ) =>
      leaveLedger.post(
        creditOf(input, {
          key: input.key,
          kind: 'adjustment',
          amount: input.amount,
          effectiveDate: `${input.year}-01-01`,
          reason: input.reason,
          by: input.by,
        }),
        now,
      ),

    /**
     * Credits what fell due by today, once per person × type × period (the
     * entry's key): a second run adds nothing. People who left this year
     * accrue up to their leaving day.
     */
    async accrue(now: Date): Promise<{ credited: number; entitlements: number }> {
      const today = dayInTimezone(now, await timezone(now));
      const year = Number(today.slice(0, 4));
      const types = (await setup.allTypes(now)).filter((t) => tracked(t) && !t.archived);
      if (types.length === 0) return { credited: 0, entitlements: 0 };
      const [people, archived, posted] = await Promise.all([
        employees.leaveProfiles({}),
        users.archived(),
        leaveLedger.postedKeys(year, ['accrual', 'entitlement']),
      ]);
      const tz = await timezone(now);
      const leavers = new Map(
        archived.filter((a) => a.archivedAt).map((a) => [a.id, dayInTimezone(a.archivedAt as Date, tz)]),
      );
      const archivedThisYear = archived.filter((a) => leavers.get(a.id)?.startsWith(`${year}-`)).map((a) => a.id);
      const all = [
        ...people,
        ...(archivedThisYear.length ? await employees.leaveProfiles({ ids: archivedThisYear }) : []),
      ];
      const due: NewLedgerEntry[] = [];
      for (const person of all) {
        for (const type of types) {
          const schedule = accrualSchedule(termsOf(type), employmentOf(person, leavers.get(person.id) ?? null), year);
          if (schedule.length === 0) continue;
          const has = (key: string) => posted.has(`${person.id}:${type.id}:${key}`);
          const where = { userId: person.id, typeId: type.id, year };
          if (!has(`entitlement:${year}`)) {
            const amount = schedule.reduce((sum, c: AccrualCredit) => sum + c.amount, 0);
            due.push(
              creditOf(where, {
                key: `entitlement:${year}`,
                kind: 'entitlement',
                amount,
                effectiveDate: `${year}-01-01`,
              }),
            );
          }
          for (const credit of schedule) {
            if (credit.effectiveDate > today || has(`accrual:${credit.period}`)) continue;
            due.push(
              creditOf(where, {
                key: `accrual:${credit.period}`,
                kind: 'accrual',
                amount: credit.amount,
                effectiveDate: credit.effectiveDate,
              }),
            );
          }
        }
      }
      const written = await leaveLedger.insertMany(due, now);
      const credited = written.filter((e) => e.kind === 'accrual').length;
      const entitlements = written.length - credited;
      return { credited, entitlements };
    },

    /**
     * At the leave-year boundary: what carries over from last year (at most
     * the cap), once per person × type; and when carried days lapse, what was
     * not used by then. Runs daily; a second run adds nothing.
     */
    async carryForward(now: Date): Promise<{ carried: number; expired: number }> {
      const today = dayInTimezone(now, await timezone(now));
      const year = Number(today.slice(0, 4));
      const types = (await setup.allTypes(now)).filter((t) => tracked(t) && (t.carryForwardCap ?? 0) > 0);
      if (types.length === 0) return { carried: 0, expired: 0 };
      const byId = new Map(types.map((t) => [t.id, t]));
      const [lastYear, posted] = await Promise.all([
        leaveLedger.balancesOf(null, year - 1),
        leaveLedger.postedKeys(year, ['carryIn', 'carryExpiry']),
      ]);
      const people = new Map(
        (await employees.leaveProfiles({ ids: [...new Set(lastYear.map((b) => b.userId))] })).map((p) => [p.id, p]),
      );
      const due: NewLedgerEntry[] = [];
      for (const balance of lastYear) {
        const type = byId.get(balance.typeId);
        const person = people.get(balance.userId);
        if (!type || !person || person.status === 'archived') continue;
        if (posted.has(`${person.id}:${type.id}:carryIn:${year}`)) continue;
        const { totals } = await totalsAsOf(type, person, year - 1, `${year - 1}-12-31`, now);
        due.push(
          creditOf(
            { userId: person.id, typeId: type.id, year },
            {
              key: `carryIn:${year}`,
              kind: 'carryIn',
              amount: carryForwardOf(type, totals),
              effectiveDate: `${year}-01-01`,
              carryExpiresOn: carryExpiresOn(type, year),
            },
          ),
        );
      }
      for (const balance of await leaveLedger.balancesOf(null, year)) {
        const type = byId.get(balance.typeId);
        if (!type || !balance.carryExpiresOn || balance.carryExpiresOn >= today || balance.carried === 0) continue;
        if (posted.has(`${balance.userId}:${type.id}:carryExpiry:${year}`)) continue;
        const lines = await leaveLedger.lines(balance.userId, type.id, year);
        const carriedIn = lines.filter((l) => l.kind === 'carryIn').reduce((sum, l) => sum + l.amount, 0);
        due.push(
          creditOf(
            { userId: balance.userId, typeId: type.id, year },
            {
              key: `carryExpiry:${year}`,
              kind: 'carryExpiry',
              amount: expiringCarry(carriedIn, lines, balance.carryExpiresOn),
              effectiveDate: addDays(balance.carryExpiresOn, 1),
            },
          ),
        );
      }
      const written = await leaveLedger.insertMany(due, now);
      const carried = written.filter((e) => e.kind === 'carryIn').length;
      return { carried, expired: written.length - carried };
    },

    /** Every projection of last, this and next leave year recomputed from the ledger; differences are logged and repaired. */
    async rebuild(now: Date): Promise<{ checked: number; repaired: number }> {
      const year = Number(dayInTimezone(now, await timezone(now)).slice(0, 4));
      const { checked, differences } = await leaveLedger.rebuild(now, [year - 1, year, year + 1]);
      if (differences.length > 0) {
        deps.logger.warn(
          { differences: differences.slice(0, 20), count: differences.length },
          'leave balances repaired from the ledger',
        );
      }
      return { checked, repaired: differences.length };
    },
  };
}

export type LeaveBalances = ReturnType<typeof createLeaveBalances>;
