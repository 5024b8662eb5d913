import {
  availableOf,
  type BalanceRecord,
  type BalanceTotals,
  EMPTY_TOTALS,
  effectOf,
  type LedgerEntryRecord,
  projectLedger,
} from '@seed-pms/domain';
import type { Collection, Filter, ObjectId, WithId } from 'mongodb';
import { isDuplicateKey } from '../errors.js';
import { newIdString, objectIdsOf, oid } from '../ids.js';
import { type BalanceDoc, dayPairs, type LedgerEntryDoc, storedDays } from './leave.doc.js';

export type NewLedgerEntry = Omit<LedgerEntryRecord, 'id' | 'createdAt'> & { carryExpiresOn?: string | null };

/** What posting an entry did: added it, found it posted before (nothing added twice), or refused it (the balance would go too low). */
export type PostOutcome = 'posted' | 'existing' | 'refused';

const TOTAL_KEYS = Object.keys(EMPTY_TOTALS) as (keyof BalanceTotals)[];

function entryRecord(doc: WithId<LedgerEntryDoc>): LedgerEntryRecord & { carryExpiresOn: string | null } {
  return {
    id: doc._id.toHexString(),
    key: doc.key,
    userId: doc.userId.toHexString(),
    typeId: doc.typeId.toHexString(),
    year: doc.year,
    kind: doc.kind,
    amount: doc.amount,
    effectiveDate: doc.effectiveDate,
    days: doc.days ? dayPairs(doc.days) : null,
    carryExpiresOn: doc.carryExpiresOn,
    requestId: doc.requestId?.toHexString() ?? null,
    reason: doc.reason,
    by: doc.by?.toHexString() ?? null,
    createdAt: doc.createdAt,
  };
}

/** The totals a projection holds (a projection made by a bulk write holds only the totals it was given). */
const totalsOf = (doc: Partial<BalanceDoc>): BalanceTotals =>
  Object.fromEntries(TOTAL_KEYS.map((k) => [k, doc[k] ?? 0])) as unknown as BalanceTotals;

function balanceRecord(doc: WithId<BalanceDoc>): BalanceRecord {
  return {
    userId: doc.userId.toHexString(),
    typeId: doc.typeId.toHexString(),
    year: doc.year,
    ...totalsOf(doc),
    carryExpiresOn: doc.carryExpiresOn ?? null,
    version: doc.version,
    updatedAt: doc.updatedAt,
  } as BalanceRecord;
}

/** A projection that disagrees with its ledger: what it held and what the ledger says. */
export interface ProjectionDifference {
  userId: string;
  typeId: string;
  year: number;
  stored: BalanceTotals | null;
  ledger: BalanceTotals;
}

export interface LeaveLedgerRepository {
  /**
   * Writes the entry (once per person, type and `key`), then adds it to the
   * projection in one conditional write: only if not added before and, with
   * `minAvailable`, only while the stored balance is at least that. A refused
   * entry is removed again.
   */
  post(entry: NewLedgerEntry, now: Date, minAvailable?: number | null): Promise<PostOutcome>;
  /**
   * Many credits at once (the jobs' accruals, seeding): entries whose key is
   * taken already are left out, the rest written in bulk and added to their
   * projections with one write per projection. Returns the entries written.
   */
  insertMany(entries: readonly NewLedgerEntry[], now: Date): Promise<NewLedgerEntry[]>;
  /** Hold entries written between `after` and `before` (the daily check looks for holds nothing owns). */
  holdsBetween(after: Date, before: Date): Promise<LedgerEntryRecord[]>;
  /** A person's entries for a type and year, oldest first. */
  lines(
    userId: string,
    typeId: string,
    year: number,
  ): Promise<(LedgerEntryRecord & { carryExpiresOn: string | null })[]>;
  /** Every entry of these people in a year (bulk reads: reports, jobs). */
  linesOf(userIds: readonly string[] | null, year: number): Promise<LedgerEntryRecord[]>;
  balance(userId: string, typeId: string, year: number): Promise<BalanceRecord | null>;
  /** Projections of a year, for these people (null: everyone). */
  balancesOf(userIds: readonly string[] | null, year: number): Promise<BalanceRecord[]>;
  /** The keys posted for a year: what the accrual and carry jobs skip. */
  postedKeys(year: number, kinds: readonly LedgerEntryRecord['kind'][]): Promise<Set<string>>;
  /**
   * Recomputes every projection from the ledger; those that differ (or are
   * missing) are rewritten. Returns the differences found.
   */
  rebuild(now: Date, years: readonly number[]): Promise<{ checked: number; differences: ProjectionDifference[] }>;
}

const groupKey = (userId: string, typeId: string, year: number) => `${userId}:${typeId}:${year}`;

/** How long a post may take between its entry and its projection. */
const IN_FLIGHT_MS = 60_000;

/** One refused document of a bulk insert. */
interface WriteFailure {
  index: number;
  code?: number;
}

/** Entries written per bulk call. */
const BULK = 1_000;

function docOf(entry: NewLedgerEntry, now: Date): LedgerEntryDoc {
  return {
    _id: oid(newIdString()),
    userId: oid(entry.userId),
    typeId: oid(entry.typeId),
    year: entry.year,
    key: entry.key,
    kind: entry.kind,
    amount: entry.amount,
    effectiveDate: entry.effectiveDate,
    days: entry.days ? storedDays(entry.days) : null,
    carryExpiresOn: entry.carryExpiresOn ?? null,
    requestId: entry.requestId ? oid(entry.requestId) : null,
    reason: entry.reason,
    by: entry.by ? oid(entry.by) : null,
    createdAt: now,
  };
}

/** The posted-key of an entry, as `postedKeys` returns it. */
export const postedKeyOf = (userId: string, typeId: string, key: string) => `${userId}:${typeId}:${key}`;

export function createLeaveLedgerRepository(
  ledger: Collection<LedgerEntryDoc>,
  balances: Collection<BalanceDoc>,
): LeaveLedgerRepository {
  async function ensureProjection(userId: string, typeId: string, year: number, now: Date) {
    const where = { userId: oid(userId), typeId: oid(typeId), year };
    if (await balances.findOne(where, { projection: { _id: 1 } })) return;
    try {
      await balances.insertOne({
        _id: oid(newIdString()),
        ...where,
        ...EMPTY_TOTALS,
        available: 0,
        carryExpiresOn: null,
        appliedIds: [],
        version: 1,
        updatedAt: now,
      });
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
  }

  async function apply(doc: LedgerEntryDoc, now: Date, minAvailable: number | null): Promise<boolean> {
    const delta = effectOf(doc.kind, doc.amount);
    const inc: Record<string, number> = { ...delta, available: availableOf({ ...EMPTY_TOTALS, ...delta }), version: 1 };
    const filter: Filter<BalanceDoc> = {
      userId: doc.userId,
      typeId: doc.typeId,
      year: doc.year,
      appliedIds: { $ne: doc._id },
      ...(minAvailable === null ? {} : { available: { $gte: minAvailable } }),
    };
    const set: Partial<BalanceDoc> = { updatedAt: now };
    if (doc.kind === 'carryIn') set.carryExpiresOn = doc.carryExpiresOn;
    const result = await balances.updateOne(filter, { $inc: inc, $push: { appliedIds: doc._id }, $set: set });
    return result.modifiedCount === 1;
  }

  return {
    async insertMany(entries, now) {
      const docs = entries.map((entry) => docOf(entry, now));
      const written: LedgerEntryDoc[] = [];
      for (let i = 0; i < docs.length; i += BULK) {
        const chunk = docs.slice(i, i + BULK);
        try {
          await ledger.insertMany(chunk, { ordered: false });
          written.push(...chunk);
        } catch (error) {
          // Keys posted meanwhile (another run) stay out; any other failure is an error.
          const reported = (error as { writeErrors?: WriteFailure | WriteFailure[] }).writeErrors;
          const failures = Array.isArray(reported) ? reported : reported ? [reported] : null;
          if (!failures || failures.some((f) => f.code !== 11000)) throw error;
          const failed = new Set(failures.map((f) => f.index));
          written.push(...chunk.filter((_, index) => !failed.has(index)));
        }
      }
      const groups = new Map<string, LedgerEntryDoc[]>();
      for (const doc of written) {
        const key = groupKey(doc.userId.toHexString(), doc.typeId.toHexString(), doc.year);
        groups.set(key, [...(groups.get(key) ?? []), doc]);
      }
      // The projections of these groups, read in one go; new ones are inserted whole, the others
      // changed by `_id` alone (on FerretDB any other filter is a scan of the collection).
      const years = [...new Set(written.map((d) => d.year))];
      const existing = new Map<string, ObjectId>();
      if (groups.size > 0) {
        for await (const doc of balances.find(
          { year: { $in: years } },
          { projection: { userId: 1, typeId: 1, year: 1 } },
        )) {
          existing.set(groupKey(doc.userId.toHexString(), doc.typeId.toHexString(), doc.year), doc._id);
        }
      }
      const fresh: BalanceDoc[] = [];
      const updates: { key: string; group: LedgerEntryDoc[]; totals: BalanceTotals }[] = [];
      for (const [key, group] of groups) {
        const first = group[0] as LedgerEntryDoc;
        const totals = projectLedger(
          group.map((d) => ({ kind: d.kind, amount: d.amount, effectiveDate: d.effectiveDate })),
        );
        if (existing.has(key)) {
          updates.push({ key, group, totals });
          continue;
        }
        fresh.push({
          _id: oid(newIdString()),
          userId: first.userId,
          typeId: first.typeId,
          year: first.year,
          ...totals,
          available: availableOf(totals),
          carryExpiresOn: group.find((d) => d.kind === 'carryIn')?.carryExpiresOn ?? null,
          appliedIds: group.map((d) => d._id),
          version: 1,
          updatedAt: now,
        });
      }
      for (let i = 0; i < fresh.length; i += BULK) {
        const chunk = fresh.slice(i, i + BULK);
        try {
          await balances.insertMany(chunk, { ordered: false });
        } catch (error) {
          // Made meanwhile by a single post: those groups are added to the projection it made.
          const reported = (error as { writeErrors?: WriteFailure | WriteFailure[] }).writeErrors;
          const failures = Array.isArray(reported) ? reported : reported ? [reported] : null;
          if (!failures || failures.some((f) => f.code !== 11000)) throw error;
          for (const { index } of failures) {
            const doc = chunk[index] as BalanceDoc;
            const key = groupKey(doc.userId.toHexString(), doc.typeId.toHexString(), doc.year);
            updates.push({ key, group: groups.get(key) ?? [], totals: totalsOf(doc) });
          }
        }
      }
      for (const { key, group, totals } of updates) {
        const first = group[0] as LedgerEntryDoc;
        const carry = group.find((d) => d.kind === 'carryIn');
        const inc = Object.fromEntries(Object.entries(totals).filter(([, v]) => v !== 0));
        const id = existing.get(key);
        await balances.updateOne(id ? { _id: id } : { userId: first.userId, typeId: first.typeId, year: first.year }, {
          $inc: { ...inc, available: availableOf(totals), version: 1 },
          $push: { appliedIds: { $each: group.map((d) => d._id) } },
          $set: { updatedAt: now, ...(carry ? { carryExpiresOn: carry.carryExpiresOn } : {}) },
        });
      }
      const keys = new Set(written.map((d) => `${d.userId.toHexString()}:${d.typeId.toHexString()}:${d.key}`));
      return entries.filter((e) => keys.has(`${e.userId}:${e.typeId}:${e.key}`));
    },
    async post(entry, now, minAvailable = null) {
      const doc = docOf(entry, now);
      await ensureProjection(entry.userId, entry.typeId, entry.year, now);
      try {
        await ledger.insertOne(doc);
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        // Posted before (a retry): make sure it is in the projection, and add nothing else.
        const existing = await ledger.findOne({ userId: doc.userId, typeId: doc.typeId, key: doc.key });
        if (existing) await apply(existing, now, null);
        return 'existing';
      }
      if (await apply(doc, now, minAvailable)) return 'posted';
      if (minAvailable === null) return 'posted';
      // Added meanwhile by the rebuild (which reads the ledger): posted after all.
      const applied = await balances.findOne(
        { userId: doc.userId, typeId: doc.typeId, year: doc.year },
        { projection: { appliedIds: 1 } },
      );
      if (applied?.appliedIds.some((id) => id.equals(doc._id))) return 'posted';
      await ledger.deleteOne({ _id: doc._id });
      return 'refused';
    },
    async holdsBetween(after, before) {
      return (await ledger.find({ kind: 'hold', createdAt: { $gte: after, $lt: before } }).toArray()).map(entryRecord);
    },
    async lines(userId, typeId, year) {
      const docs = await ledger.find({ userId: oid(userId), typeId: oid(typeId), year }).toArray();
      return docs
        .map(entryRecord)
        .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id));
    },
    async linesOf(userIds, year) {
      const filter: Filter<LedgerEntryDoc> =
        userIds === null ? { year } : { year, userId: { $in: objectIdsOf(userIds) } };
      return (await ledger.find(filter).toArray()).map(entryRecord);
    },
    async balance(userId, typeId, year) {
      const doc = await balances.findOne({ userId: oid(userId), typeId: oid(typeId), year });
      return doc ? balanceRecord(doc) : null;
    },
    async balancesOf(userIds, year) {
      const filter: Filter<BalanceDoc> = userIds === null ? { year } : { year, userId: { $in: objectIdsOf(userIds) } };
      return (await balances.find(filter, { projection: { appliedIds: 0 } }).toArray()).map((d) =>
        balanceRecord(d as WithId<BalanceDoc>),
      );
    },
    async postedKeys(year, kinds) {
      const docs = await ledger
        .find({ year, kind: { $in: [...kinds] } }, { projection: { userId: 1, typeId: 1, key: 1 } })
        .toArray();
      return new Set(docs.map((d) => postedKeyOf(d.userId.toHexString(), d.typeId.toHexString(), d.key)));
    },
    async rebuild(now, years) {
      const inYears = { year: { $in: [...years] } };
      // Entries and projections written in the last minute may be halfway through a post (an
      // entry not applied yet, or a refused one about to be removed): those wait for the next run.
      const settledBefore = new Date(now.getTime() - IN_FLIGHT_MS);
      // Projections first: an entry posted after this read changes its projection's version, and
      // the repair below (conditional on the version read) leaves that projection to the next run.
      const stored = new Map<string, WithId<BalanceDoc>>();
      for await (const doc of balances.find(inYears))
        stored.set(groupKey(doc.userId.toHexString(), doc.typeId.toHexString(), doc.year), doc);
      const groups = new Map<string, { userId: string; typeId: string; year: number; docs: LedgerEntryDoc[] }>();
      for await (const doc of ledger.find(inYears)) {
        const userId = doc.userId.toHexString();
        const typeId = doc.typeId.toHexString();
        const key = groupKey(userId, typeId, doc.year);
        let group = groups.get(key);
        if (!group) {
          group = { userId, typeId, year: doc.year, docs: [] };
          groups.set(key, group);
        }
        group.docs.push(doc);
      }
      const differences: ProjectionDifference[] = [];
      const keys = new Set([...groups.keys(), ...stored.keys()]);
      for (const key of keys) {
        const group = groups.get(key);
        const current = stored.get(key);
        if (group?.docs.some((d) => d.createdAt > settledBefore) || (current && current.updatedAt > settledBefore))
          continue;
        const docs = group?.docs ?? [];
        const totals = projectLedger(
          docs.map((d) => ({ kind: d.kind, amount: d.amount, effectiveDate: d.effectiveDate })),
        );
        const shown = current ? totalsOf(current) : null;
        const ids = new Set(docs.map((d) => d._id.toHexString()));
        const applied = new Set((current?.appliedIds ?? []).map((id) => id.toHexString()));
        const carry = docs.find((d) => d.kind === 'carryIn')?.carryExpiresOn ?? null;
        const same =
          shown !== null &&
          TOTAL_KEYS.every((k) => shown[k] === totals[k]) &&
          (current?.available ?? 0) === availableOf(totals) &&
          ids.size === applied.size &&
          [...ids].every((id) => applied.has(id)) &&
          (current?.carryExpiresOn ?? null) === carry;
        if (same) continue;
        const [userId, typeId, year] = group
          ? [group.userId, group.typeId, group.year]
          : [current?.userId.toHexString() as string, current?.typeId.toHexString() as string, current?.year as number];
        differences.push({ userId, typeId, year, stored: shown, ledger: totals });
        const repaired = {
          ...totals,
          available: availableOf(totals),
          carryExpiresOn: carry,
          appliedIds: docs.map((d) => d._id),
          updatedAt: now,
        };
        if (current) {
          await balances.updateOne(
            { _id: current._id, version: current.version },
            { $set: repaired, $inc: { version: 1 } },
          );
        } else {
          try {
            await balances.insertOne({
              _id: oid(newIdString()),
              userId: oid(userId),
              typeId: oid(typeId),
              year,
              ...repaired,
              version: 1,
            });
          } catch (error) {
            if (!isDuplicateKey(error)) throw error;
          }
        }
      }
      return { checked: keys.size, differences };
    },
  };
}
