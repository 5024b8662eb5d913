import {
  type AccessQuery,
  COUNTED_STATUSES,
  DomainError,
  type ExpenseRecord,
  expenseStatusOf,
  type ListExpensesQuery,
  type Page,
  storedStatusesOf,
} from '@seed-pms/domain';
import type { Collection, Filter, Sort, UpdateFilter, WithId } from 'mongodb';
import { withAccess } from '../access-filter.js';
import { engineRequests, REQUEST_ACCESS_FIELDS } from '../approvals/request-kind.js';
import { allOf } from '../filters.js';
import { idOrNull, newIdString, objectIdOf, objectIdsOf, oid } from '../ids.js';
import { findPage } from '../pagination.js';
import { initialVersion, updateVersioned } from '../versioning.js';
import type { ExpenseAttachmentDoc, ExpenseDoc } from './expense.doc.js';

/** What the claimant states and a submission adds (the rest a claim's life fills in). */
type ClaimFields =
  | 'categoryId'
  | 'amount'
  | 'base'
  | 'rate'
  | 'rateDate'
  | 'expenseDate'
  | 'description'
  | 'projectId'
  | 'receiptFileIds'
  | 'limits'
  | 'workflowId';

/** What a new claim is stored with (the rest starts empty). */
export type NewExpense = Pick<ExpenseRecord, 'id' | 'userId' | ClaimFields> & { status: 'draft' | 'pending' };

/** What the claimant changes in a draft, and what a submission stores. */
export type ExpenseChanges = Partial<Pick<ExpenseRecord, ClaimFields>>;

const SORTS: Record<ListExpensesQuery['sort'], Sort> = {
  expenseDate: { expenseDate: 1, _id: 1 },
  '-expenseDate': { expenseDate: -1, _id: -1 },
  createdAt: { createdAt: 1, _id: 1 },
  '-createdAt': { createdAt: -1, _id: -1 },
  amount: { 'base.minor': 1, _id: 1 },
  '-amount': { 'base.minor': -1, _id: -1 },
};

function toRecord(doc: WithId<ExpenseDoc>): ExpenseRecord {
  return {
    id: doc._id.toHexString(),
    userId: doc.userId.toHexString(),
    categoryId: doc.categoryId.toHexString(),
    amount: { ...doc.amount },
    base: doc.base ? { ...doc.base } : null,
    rate: doc.rate,
    rateDate: doc.rateDate,
    expenseDate: doc.expenseDate,
    description: doc.description,
    projectId: idOrNull(doc.projectId),
    receiptFileIds: doc.receiptFileIds.map((f) => f.toHexString()),
    status: doc.status,
    limits: doc.limits,
    workflowId: idOrNull(doc.workflowId),
    submittedAt: doc.submittedAt,
    financeApprovedAt: doc.financeApprovedAt,
    decidedAt: doc.decidedAt,
    rejectionReason: doc.rejectionReason,
    cancelledAt: doc.cancelledAt,
    cancelledBy: idOrNull(doc.cancelledBy),
    cancelReason: doc.cancelReason,
    reimbursement: doc.reimbursement ? { ...doc.reimbursement, by: doc.reimbursement.by.toHexString() } : null,
    version: doc.version,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}

function storedChanges(changes: ExpenseChanges): Partial<ExpenseDoc> {
  const { categoryId, projectId, receiptFileIds, workflowId, expenseDate, ...plain } = changes;
  return {
    ...plain,
    ...(categoryId === undefined ? {} : { categoryId: oid(categoryId) }),
    ...(projectId === undefined ? {} : { projectId: projectId === null ? null : oid(projectId) }),
    ...(receiptFileIds === undefined ? {} : { receiptFileIds: objectIdsOf(receiptFileIds) }),
    ...(workflowId === undefined ? {} : { workflowId: workflowId === null ? null : oid(workflowId) }),
    ...(expenseDate === undefined ? {} : { expenseDate, month: expenseDate.slice(0, 7) }),
  };
}

/** The error of a write that found the claim in another state than `from` (with the state it is in). */
function notIn(from: ExpenseRecord['status'], current: Pick<ExpenseDoc, 'status' | 'financeApprovedAt'> | null) {
  const status = current ? expenseStatusOf(current) : null;
  if (from === 'draft') {
    return new DomainError('EXPENSE_NOT_DRAFT', 'Only a draft claim is changed or submitted', { status });
  }
  if (from === 'approved') {
    return new DomainError('EXPENSE_NOT_APPROVED', 'Only an approved claim is reimbursed', { status });
  }
  return new DomainError('EXPENSE_NOT_CANCELLABLE', 'The claim changed meanwhile; read it again', { status });
}

export interface ExpenseRepository {
  newId(): string;
  insert(claim: NewExpense, now: Date): Promise<ExpenseRecord>;
  get(id: string): Promise<(ExpenseRecord & { approverIds: string[] }) | null>;
  byIds(ids: readonly string[]): Promise<ExpenseRecord[]>;
  list(query: ListExpensesQuery, access: AccessQuery): Promise<Page<ExpenseRecord>>;
  /** A draft's change (or its submission, `submit`), at `expectedVersion`; 409 EXPENSE_NOT_DRAFT when no longer a draft. */
  updateDraft(
    id: string,
    expectedVersion: number,
    changes: ExpenseChanges,
    now: Date,
    submit?: boolean,
  ): Promise<ExpenseRecord>;
  /** A submission whose workflow could not start goes back to a draft (at the version it was submitted with). */
  backToDraft(id: string, submittedVersion: number, now: Date): Promise<void>;
  /** The person's claims of the category in the month that count against its limit (base minor units), but `exceptId`. */
  monthTotal(userId: string, categoryId: string, month: string, exceptId: string): Promise<number>;
  /** Follows the workflow: pending → approved | rejected | cancelled at the decided version (see engineRequests). */
  settle(
    id: string,
    status: 'approved' | 'rejected' | 'cancelled',
    expectedVersion: number,
    now: Date,
  ): Promise<boolean>;
  /** Bookkeeping beside the version (the workflow decides versions): when Finance approved, why rejected, who cancelled. */
  note(
    id: string,
    fields: Partial<Pick<ExpenseRecord, 'financeApprovedAt' | 'rejectionReason' | 'cancelReason'>> & {
      cancelledBy?: string;
    },
  ): Promise<void>;
  /** A draft cancelled by its claimant, or an approved claim by Finance: at `expectedVersion` in that state. */
  cancel(
    id: string,
    from: 'draft' | 'approved',
    expectedVersion: number,
    by: string,
    reason: string | null,
    now: Date,
  ): Promise<ExpenseRecord>;
  reimburse(
    id: string,
    expectedVersion: number,
    payment: { paidOn: string; reference: string; by: string },
    now: Date,
  ): Promise<ExpenseRecord>;
  /** Adds a receipt to a claim (bookkeeping: the version the workflow decides stays). */
  addReceipt(id: string, fileId: string): Promise<void>;
  addApprovers(id: string, userIds: readonly string[]): Promise<void>;
  /** Removes a submitted claim whose workflow could not be started (the submission failed). */
  remove(id: string): Promise<void>;
  pendingBefore(after: Date, before: Date, limit: number): Promise<ExpenseRecord[]>;
  /** Claims whose receipts include one of these files. */
  withReceipts(fileIds: readonly string[]): Promise<(ExpenseRecord & { approverIds: string[] })[]>;
  /** Submitted claims spent from..to (pending, approved, reimbursed), for the report. */
  spentBetween(from: string, to: string, categoryId?: string): Promise<ExpenseRecord[]>;
}

export function createExpenseRepository(claims: Collection<ExpenseDoc>): ExpenseRepository {
  const shared = engineRequests(claims, 'Expense', (status, now) =>
    status === 'cancelled' ? { cancelledAt: now } : { decidedAt: now },
  );
  const withApprovers = (doc: WithId<ExpenseDoc>) => ({
    ...toRecord(doc),
    approverIds: doc.approverIds.map((a) => a.toHexString()),
  });
  /** A versioned write of a claim in state `from`; a miss says which state it is in. */
  async function guarded(
    id: string,
    from: ExpenseRecord['status'],
    expectedVersion: number,
    set: Partial<ExpenseDoc>,
    now: Date,
    guard = from,
  ) {
    const current = await claims.findOne({ _id: oid(id) }, { projection: { status: 1, financeApprovedAt: 1 } });
    const saved = await updateVersioned(claims, oid(id), expectedVersion, { $set: set } as UpdateFilter<ExpenseDoc>, {
      resource: 'Expense',
      where: { status: from },
      guardError: () => notIn(guard, current),
      now,
    });
    return toRecord(saved);
  }

  return {
    newId: newIdString,

    async insert(claim, now) {
      const doc: ExpenseDoc = {
        _id: oid(claim.id),
        userId: oid(claim.userId),
        categoryId: oid(claim.categoryId),
        amount: claim.amount,
        base: claim.base,
        rate: claim.rate,
        rateDate: claim.rateDate,
        expenseDate: claim.expenseDate,
        month: claim.expenseDate.slice(0, 7),
        description: claim.description,
        projectId: claim.projectId ? oid(claim.projectId) : null,
        receiptFileIds: objectIdsOf(claim.receiptFileIds),
        status: claim.status,
        limits: claim.limits,
        workflowId: claim.workflowId ? oid(claim.workflowId) : null,
        submittedAt: claim.status === 'pending' ? now : null,
        financeApprovedAt: null,
        decidedAt: null,
        rejectionReason: null,
        cancelledAt: null,
        cancelledBy: null,
        cancelReason: null,
        reimbursement: null,
        approverIds: [],
        ...initialVersion(now),
      };
      await claims.insertOne(doc);
      return toRecord(doc);
    },

    get: (id) => shared.getWithApprovers(id, toRecord),

    async byIds(ids) {
      if (ids.length === 0) return [];
      return (await claims.find({ _id: { $in: objectIdsOf(ids) } }).toArray()).map(toRecord);
    },

    async list(query, access) {
      const clauses: Filter<ExpenseDoc>[] = [];
      if (query.status) {
        const stored = storedStatusesOf(query.status);
        clauses.push({ status: stored.status });
        if (stored.financeApproved !== undefined) {
          clauses.push({ financeApprovedAt: stored.financeApproved ? { $ne: null } : null });
        }
      }
      if (query.userId) clauses.push({ userId: oid(query.userId) });
      if (query.categoryId) clauses.push({ categoryId: oid(query.categoryId) });
      if (query.projectId) clauses.push({ projectId: oid(query.projectId) });
      if (query.from) clauses.push({ expenseDate: { $gte: query.from } });
      if (query.to) clauses.push({ expenseDate: { $lte: query.to } });
      if (query.minAmountMinor !== undefined) clauses.push({ 'base.minor': { $gte: query.minAmountMinor } });
      if (query.maxAmountMinor !== undefined) clauses.push({ 'base.minor': { $lte: query.maxAmountMinor } });
      const filter = withAccess(allOf(clauses), access, REQUEST_ACCESS_FIELDS);
      if (!filter) return { items: [], total: 0, page: query.page, limit: query.limit };
      return findPage(claims, filter, { page: query.page, limit: query.limit, sort: SORTS[query.sort] }, toRecord);
    },

    updateDraft: (id, expectedVersion, changes, now, submit = false) =>
      guarded(
        id,
        'draft',
        expectedVersion,
        { ...storedChanges(changes), ...(submit ? { status: 'pending' as const, submittedAt: now } : {}) },
        now,
      ),

    async backToDraft(id, submittedVersion, now) {
      await claims
        .updateOne(
          { _id: oid(id), version: submittedVersion + 1, status: 'pending' },
          {
            $set: { status: 'draft', submittedAt: null, workflowId: null, limits: null, updatedAt: now },
            $inc: { version: 1 },
          },
        )
        .catch(() => undefined);
    },

    async monthTotal(userId, categoryId, month, exceptId) {
      const docs = await claims
        .find(
          { userId: oid(userId), categoryId: oid(categoryId), month, status: { $in: [...COUNTED_STATUSES] } },
          { projection: { base: 1 } },
        )
        .toArray();
      let total = 0;
      for (const doc of docs) if (doc._id.toHexString() !== exceptId) total += doc.base?.minor ?? 0;
      return total;
    },

    settle: shared.settle,

    async note(id, fields) {
      const { cancelledBy, ...plain } = fields;
      const set: Partial<ExpenseDoc> = {
        ...plain,
        ...(cancelledBy === undefined ? {} : { cancelledBy: oid(cancelledBy) }),
      };
      if (Object.keys(set).length > 0) await claims.updateOne({ _id: oid(id) }, { $set: set });
    },

    cancel: (id, from, expectedVersion, by, reason, now) =>
      guarded(
        id,
        from,
        expectedVersion,
        { status: 'cancelled', cancelledAt: now, cancelledBy: oid(by), cancelReason: reason },
        now,
        'cancelled',
      ),

    reimburse: (id, expectedVersion, payment, now) =>
      guarded(
        id,
        'approved',
        expectedVersion,
        { status: 'reimbursed', reimbursement: { ...payment, by: oid(payment.by), at: now } },
        now,
      ),

    async addReceipt(id, fileId) {
      await claims.updateOne({ _id: oid(id) }, { $addToSet: { receiptFileIds: oid(fileId) } });
    },

    addApprovers: shared.addApprovers,
    remove: shared.remove,

    async pendingBefore(after, before, limit) {
      const docs = await claims
        .find({ status: 'pending', submittedAt: { $gte: after, $lt: before } })
        .limit(limit)
        .toArray();
      return docs.map(toRecord);
    },

    async withReceipts(fileIds) {
      const ids = fileIds.flatMap((f) => {
        const id = objectIdOf(f);
        return id ? [id] : [];
      });
      if (ids.length === 0) return [];
      return (await claims.find({ receiptFileIds: { $in: ids } }).toArray()).map(withApprovers);
    },

    async spentBetween(from, to, categoryId) {
      const docs = await claims
        .find({
          status: { $in: [...COUNTED_STATUSES] },
          expenseDate: { $gte: from, $lte: to },
          ...(categoryId ? { categoryId: oid(categoryId) } : {}),
        })
        .toArray();
      return docs.map(toRecord);
    },
  };
}

export interface ExpenseAttachmentRepository {
  /** Records a stored receipt under the key its file was stored with (idempotent). */
  add(fileId: string, uploadKey: string, uploadedBy: string, now: Date): Promise<void>;
  /** The receipt files stored under a key. */
  fileIdsOf(uploadKey: string): Promise<string[]>;
}

export function createExpenseAttachmentRepository(
  attachments: Collection<ExpenseAttachmentDoc>,
): ExpenseAttachmentRepository {
  return {
    async add(fileId, uploadKey, uploadedBy, now) {
      const doc = { _id: oid(fileId), uploadKey: oid(uploadKey), uploadedBy: oid(uploadedBy), createdAt: now };
      await attachments.replaceOne({ _id: doc._id }, doc, { upsert: true });
    },
    async fileIdsOf(uploadKey) {
      const key = objectIdOf(uploadKey);
      if (!key) return [];
      const docs = await attachments.find({ uploadKey: key }, { projection: { _id: 1 } }).toArray();
      return docs.map((d) => d._id.toHexString());
    },
  };
}
