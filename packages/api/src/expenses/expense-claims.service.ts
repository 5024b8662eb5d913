import { newIdString } from '@seed-pms/db';
import {
  type ApprovalEvent,
  type ApprovalSubject,
  accessQuery,
  assertExpenseEditable,
  assertReimbursable,
  assertSubmittable,
  type CancelExpenseInput,
  type CreateExpenseInput,
  checkLimits,
  DomainError,
  dayInTimezone,
  decideExpenseCancel,
  type ExpenseApprovalItem,
  type ExpenseApprovalsQuery,
  type ExpenseApprovalsView,
  type ExpenseCategoryRecord,
  type ExpenseDecisionInput,
  type ExpenseDetailView,
  type ExpenseRecord,
  type ExpenseRejectInput,
  type ExpenseReportQuery,
  type ExpenseReportView,
  type ExpenseStageRole,
  type ExpenseView,
  expenseStageFor,
  expenseStatusOf,
  expenseSummary,
  type FileDownloadView,
  formatMinor,
  isDomainError,
  type LimitCheckRecord,
  type ListExpensesQuery,
  MAX_PAGE_LIMIT,
  MAX_RECEIPTS,
  type Money,
  type MoneyView,
  notFound,
  type Page,
  type ReceiptView,
  type ReimburseExpenseInput,
  type UpdateExpenseInput,
  validationFailed,
  versionConflict,
  type WorkflowRecord,
} from '@seed-pms/domain';
import { abilityFor, assertCan, assertCanSee, canOn } from '../access/ability.js';
import type { ActorContext } from '../app/call-context.js';
import type { ServiceDeps } from '../app/deps.js';
import { type ApprovalKindRegistration, type ApprovalsService, decisionFor } from '../approvals/approvals.service.js';
import type { AuditService } from '../audit/audit.service.js';
import type { EventBus } from '../events/event-bus.js';
import {
  DOWNLOAD_URL_TTL_SECONDS,
  type FileOwnerAccess,
  type FilesService,
  type UploadedFile,
} from '../files/files.service.js';
import type { SettingsService } from '../settings/settings.service.js';
import { createExpenseReport } from './expense-report.js';
import type { ExpenseSetupInternals } from './expense-setup.service.js';

export interface ExpenseClaimsService {
  list(ctx: ActorContext, query: ListExpensesQuery): Promise<Page<ExpenseView>>;
  create(ctx: ActorContext, input: CreateExpenseInput): Promise<ExpenseView>;
  get(ctx: ActorContext, id: string): Promise<ExpenseDetailView>;
  /** The claimant's change of a draft, or its submission (`action: 'submit'`). */
  update(ctx: ActorContext, input: UpdateExpenseInput): Promise<ExpenseView>;
  cancel(ctx: ActorContext, input: CancelExpenseInput): Promise<ExpenseView>;
  /** Finance's or the CEO's decision, on that stage of the claim's workflow. */
  decideStage(
    ctx: ActorContext,
    role: ExpenseStageRole,
    decision: 'approve' | 'reject',
    input: ExpenseDecisionInput | ExpenseRejectInput,
  ): Promise<ExpenseView>;
  approvals(ctx: ActorContext, query: ExpenseApprovalsQuery): Promise<ExpenseApprovalsView>;
  reimburse(ctx: ActorContext, input: ReimburseExpenseInput): Promise<ExpenseView>;
  /** A receipt for a claim (`id`), or for one to come (attached later with `receiptFileIds`). */
  uploadReceipt(ctx: ActorContext, input: { id?: string | undefined; file: UploadedFile }): Promise<ReceiptView>;
  report(ctx: ActorContext, query: ExpenseReportQuery): Promise<ExpenseReportView | FileDownloadView>;
}

export interface ExpenseClaimsInternals extends ExpenseClaimsService {
  /** How claims join the approvals engine (registered in events/subscriptions.ts). */
  readonly approvalKind: ApprovalKindRegistration;
  /** Who may read receipts: whoever may read a claim holding them. */
  readonly fileAccess: FileOwnerAccess;
  /** A claim notes when Finance approved it (its `financeApproved` step). */
  onApprovalEvent(event: ApprovalEvent, workflow: WorkflowRecord): Promise<void>;
}

/** The claimant's checks and writes take turns, so the per-month limit counts every claim once. */
const LEASE_WAIT_MS = 30_000;

export const moneyView = (m: Money): MoneyView => ({ minor: m.minor, currency: m.currency, formatted: formatMinor(m) });

export function createExpenseClaimsService(
  deps: Pick<ServiceDeps, 'repos'>,
  services: {
    audit: AuditService;
    settings: SettingsService;
    approvals: ApprovalsService;
    setup: ExpenseSetupInternals;
    files: FilesService;
    events: EventBus;
  },
): ExpenseClaimsInternals {
  const {
    expenses: claims,
    expenseAttachments: attachments,
    expenseCategories,
    employees,
    projects,
    leases,
  } = deps.repos;
  const { audit, settings, approvals, setup, files, events } = services;

  const today = async (now: Date) => dayInTimezone(now, (await settings.current(now)).organization.timezone);
  const asClaimant = <T>(userId: string, fn: () => Promise<T>) =>
    leases.withLease(`expense:${userId}`, fn, { waitMs: LEASE_WAIT_MS });
  const subjectShape = (r: { userId: string; approverIds?: readonly string[] }) => ({
    userId: r.userId,
    approverIds: r.approverIds ?? [],
  });

  async function categoryOf(id: string): Promise<ExpenseCategoryRecord> {
    const category = await expenseCategories.get(id);
    if (!category) {
      throw new DomainError('REFERENCE_NOT_FOUND', 'No expense category has this id', { field: 'categoryId', id });
    }
    return category;
  }

  async function checkProject(projectId: string | null) {
    if (projectId && !(await projects.get(projectId))) {
      throw new DomainError('REFERENCE_NOT_FOUND', 'No project has this id', { field: 'projectId', id: projectId });
    }
  }

  /** Receipts named by id: stored as receipts, not deleted, uploaded by the claimant (or on the claim already). */
  async function checkReceipts(userId: string, ids: readonly string[], kept: readonly string[] = []) {
    if (new Set(ids).size !== ids.length) {
      throw validationFailed('A receipt is named twice', [
        { path: 'receiptFileIds', message: 'each receipt once', code: 'duplicate' },
      ]);
    }
    const found = await deps.repos.files.getMany(ids);
    for (const id of ids) {
      const file = found.get(id);
      const usable =
        file &&
        !file.deletedAt &&
        file.purpose === 'expense-receipt' &&
        (file.uploadedBy === userId || kept.includes(id));
      if (!usable) {
        throw new DomainError('REFERENCE_NOT_FOUND', 'No receipt you uploaded has this id', {
          field: 'receiptFileIds',
          id,
        });
      }
    }
  }

  /** The amount in the base currency, or null while a draft's rate is missing. */
  async function baseOf(amount: Money, day: string, now: Date, required: boolean) {
    try {
      return await setup.toBase(amount, day, now);
    } catch (error) {
      if (!required && isDomainError(error) && error.code === 'EXCHANGE_RATE_MISSING') {
        return { amount: null, rate: null, rateDate: null };
      }
      throw error;
    }
  }

  const subjectOf = (r: ExpenseRecord, category: Pick<ExpenseCategoryRecord, 'name'>): ApprovalSubject => ({
    id: r.id,
    requesterId: r.userId,
    summary: expenseSummary(category, r),
    days: null,
    amountMinor: r.base?.minor ?? null,
    attributes: { overLimit: r.limits?.overLimit ?? false },
    version: r.version,
  });

  /**
   * The submission's checks (the claimant's turn held): category, day,
   * receipt rule, then the limits counting the claimant's other claims of the
   * month. Returns what the submission stores.
   */
  async function submission(
    ctx: ActorContext,
    claim: Pick<ExpenseRecord, 'id' | 'userId' | 'categoryId' | 'amount' | 'expenseDate' | 'receiptFileIds'>,
  ) {
    const category = await categoryOf(claim.categoryId);
    const converted = await setup.toBase(claim.amount, claim.expenseDate, ctx.now);
    assertSubmittable({
      category,
      expenseDate: claim.expenseDate,
      today: await today(ctx.now),
      baseMinor: converted.amount.minor,
      receipts: claim.receiptFileIds.length,
    });
    const month = claim.expenseDate.slice(0, 7);
    const others = await claims.monthTotal(claim.userId, claim.categoryId, month, claim.id);
    const limits: LimitCheckRecord = checkLimits(category, converted.amount.minor, month, others);
    return {
      category,
      fields: { base: converted.amount, rate: converted.rate, rateDate: converted.rateDate, limits },
    };
  }

  async function startWorkflow(ctx: ActorContext, record: ExpenseRecord, category: ExpenseCategoryRecord) {
    if (!record.workflowId) return;
    await approvals.start(ctx, 'expense', record.workflowId, subjectOf(record, category));
  }

  async function views(records: readonly ExpenseRecord[], now: Date): Promise<ExpenseView[]> {
    const people = [
      ...new Set(records.flatMap((r) => [r.userId, r.cancelledBy, r.reimbursement?.by].filter((id) => id != null))),
    ] as string[];
    const [summaryOf, cards, categories, projectNames] = await Promise.all([
      approvals.summaries(
        records.flatMap((r) => (r.workflowId ? [r.workflowId] : [])),
        now,
      ),
      employees.cards(people),
      expenseCategories.list(true),
      projects.names([...new Set(records.flatMap((r) => (r.projectId ? [r.projectId] : [])))]),
    ]);
    const byId = new Map(categories.map((c) => [c.id, c]));
    const person = (id: string) => ({ id, name: cards.get(id)?.name ?? 'Unknown person' });
    return records.map((r) => {
      const category = byId.get(r.categoryId);
      return {
        id: r.id,
        user: person(r.userId),
        category: { id: r.categoryId, name: category?.name ?? 'Unknown category', code: category?.code ?? '?' },
        amount: moneyView(r.amount),
        baseAmount: r.base ? moneyView(r.base) : null,
        rate: r.rate,
        rateDate: r.rateDate,
        expenseDate: r.expenseDate,
        description: r.description,
        project: r.projectId ? { id: r.projectId, name: projectNames.get(r.projectId) ?? 'Unknown project' } : null,
        status: expenseStatusOf(r),
        limits: r.limits,
        receiptCount: r.receiptFileIds.length,
        workflowId: r.workflowId,
        approval: r.workflowId ? summaryOf(r.workflowId) : null,
        submittedAt: r.submittedAt?.toISOString() ?? null,
        financeApprovedAt: r.financeApprovedAt?.toISOString() ?? null,
        decidedAt: r.decidedAt?.toISOString() ?? null,
        rejectionReason: r.rejectionReason,
        cancelledAt: r.cancelledAt?.toISOString() ?? null,
        cancelledBy: r.cancelledBy ? person(r.cancelledBy) : null,
        cancelReason: r.cancelReason,
        reimbursement: r.reimbursement
          ? {
              paidOn: r.reimbursement.paidOn,
              reference: r.reimbursement.reference,
              by: person(r.reimbursement.by),
              at: r.reimbursement.at.toISOString(),
            }
          : null,
        version: r.version,
        createdAt: r.createdAt.toISOString(),
        updatedAt: r.updatedAt.toISOString(),
      };
    });
  }

  async function viewOf(id: string, now: Date): Promise<ExpenseView> {
    const record = await claims.get(id);
    if (!record) throw notFound('Expense', id);
    return (await views([record], now))[0] as ExpenseView;
  }

  async function loadVisible(ctx: ActorContext, id: string) {
    const record = await claims.get(id);
    if (!record) throw notFound('Expense', id);
    assertCanSee(ctx.actor, 'ExpenseClaim', subjectShape(record), 'Expense', id);
    return record;
  }

  async function receiptViews(fileIds: readonly string[]): Promise<ReceiptView[]> {
    const [found, links] = await Promise.all([
      deps.repos.files.getMany(fileIds),
      files.links(fileIds, DOWNLOAD_URL_TTL_SECONDS),
    ]);
    return fileIds.flatMap((id) => {
      const file = found.get(id);
      if (!file || file.deletedAt) return [];
      const link = links.get(id);
      return [
        {
          fileId: id,
          name: file.name,
          contentType: file.contentType,
          size: file.size,
          status: file.status,
          url: link?.url ?? null,
          expiresAt: link?.expiresAt ?? null,
          uploadedAt: file.createdAt.toISOString(),
        },
      ];
    });
  }

  // ---- The engine ----

  const approvalKind: ApprovalKindRegistration = {
    kind: 'expense',
    async subject(id) {
      const r = await claims.get(id);
      if (!r || r.status === 'draft') return null;
      return subjectOf(r, await categoryOf(r.categoryId));
    },
    async onOutcome(id, outcome, workflow, now) {
      // Claims are changed only as drafts, before their workflow.
      if (outcome === 'reopened') return true;
      const followed = await claims.settle(id, outcome, workflow.subject.version, now);
      if (followed && outcome === 'rejected') {
        const rejection = workflow.decisions.filter((d) => d.decision === 'reject').at(-1);
        await claims.note(id, { rejectionReason: rejection?.reason ?? null });
      }
      return followed;
    },
    share: (id, userIds) => claims.addApprovers(id, userIds),
    async pendingSince(after, before) {
      const pending = await claims.pendingBefore(after, before, 500);
      const categories = new Map((await expenseCategories.list(true)).map((c) => [c.id, c]));
      return pending.flatMap((r) => {
        const category = categories.get(r.categoryId);
        return r.workflowId && category ? [{ workflowId: r.workflowId, subject: subjectOf(r, category) }] : [];
      });
    },
  };

  async function onApprovalEvent(_event: ApprovalEvent, workflow: WorkflowRecord) {
    if (workflow.kind !== 'expense' || workflow.state !== 'pending') return;
    const finance = workflow.stages.find((s) => s.approvers.includes('finance'));
    if (!finance || finance.state !== 'approved') return;
    const claim = await claims.get(workflow.subject.id);
    if (claim && claim.status === 'pending' && !claim.financeApprovedAt) {
      await claims.note(claim.id, { financeApprovedAt: finance.completedAt ?? new Date() });
    }
  }

  const fileAccess: FileOwnerAccess = {
    async canRead(ctx, ownerId) {
      const holding = await claims.withReceipts(await attachments.fileIdsOf(ownerId));
      return holding.some((claim) => canOn(ctx.actor, 'read', 'ExpenseClaim', subjectShape(claim)));
    },
  };

  /** Every claim of the caller's queue (its totals). */
  async function queuedIds(ctx: ActorContext, total: number): Promise<string[]> {
    const ids: string[] = [];
    for (let page = 1; page <= Math.ceil(total / MAX_PAGE_LIMIT); page += 1) {
      const more = await approvals.inbox(ctx, { kind: 'expense', page, limit: MAX_PAGE_LIMIT, sort: 'dueAt' });
      ids.push(...more.items.map((i) => i.subject.id));
    }
    return [...new Set(ids)];
  }

  /** Whoever holds a stage's role acts on submitted claims, even before the stage asks them (and hears why not). */
  async function loadForStage(ctx: ActorContext, id: string, role: ExpenseStageRole) {
    const record = await claims.get(id);
    if (!record) throw notFound('Expense', id);
    const holder = ctx.actor.roles.includes(role) && record.status !== 'draft';
    if (!holder) assertCanSee(ctx.actor, 'ExpenseClaim', subjectShape(record), 'Expense', id);
    return record;
  }

  return {
    approvalKind,
    fileAccess,
    onApprovalEvent,
    report: createExpenseReport(deps, { settings }),

    async list(ctx, query) {
      const access = accessQuery(abilityFor(ctx.actor), 'read', 'ExpenseClaim');
      const page = await claims.list(query, access);
      return { ...page, items: await views(page.items, ctx.now) };
    },

    async create(ctx, input) {
      assertCan(ctx.actor, 'create', 'ExpenseClaim', { userId: ctx.actor.id, approverIds: [] });
      const userId = ctx.actor.id;
      const receiptFileIds = input.receiptFileIds ?? [];
      const [category] = await Promise.all([
        categoryOf(input.categoryId),
        checkProject(input.projectId ?? null),
        checkReceipts(userId, receiptFileIds),
      ]);
      const draft = {
        id: claims.newId(),
        userId,
        categoryId: category.id,
        amount: { ...input.amount },
        expenseDate: input.expenseDate,
        description: input.description,
        projectId: input.projectId ?? null,
        receiptFileIds,
      };
      const submit = input.submit === true;
      const record = await asClaimant(userId, async () => {
        if (submit) {
          const { fields } = await submission(ctx, draft);
          return claims.insert(
            { ...draft, ...fields, status: 'pending', workflowId: approvals.newWorkflowId() },
            ctx.now,
          );
        }
        const converted = await baseOf(draft.amount, draft.expenseDate, ctx.now, false);
        return claims.insert(
          {
            ...draft,
            base: converted.amount,
            rate: converted.rate,
            rateDate: converted.rateDate,
            limits: null,
            status: 'draft',
            workflowId: null,
          },
          ctx.now,
        );
      });
      if (submit) {
        try {
          await startWorkflow(ctx, record, category);
        } catch (error) {
          // No claim without its workflow: the submission fails as a whole.
          await claims.remove(record.id);
          throw error;
        }
      }
      await audit.record(ctx, {
        action: submit ? 'expense.submit' : 'expense.create',
        resourceType: 'expense',
        resourceId: record.id,
        after: { ...draft, base: record.base, limits: record.limits, workflowId: record.workflowId },
      });
      return viewOf(record.id, ctx.now);
    },

    async get(ctx, id) {
      const record = await loadVisible(ctx, id);
      const [view] = await views([record], ctx.now);
      const [receipts, workflow] = await Promise.all([
        receiptViews(record.receiptFileIds),
        record.workflowId ? approvals.get(ctx, record.workflowId).catch(() => null) : null,
      ]);
      return { ...(view as ExpenseView), receipts, workflow };
    },

    async update(ctx, input) {
      const record = await loadVisible(ctx, input.id);
      assertExpenseEditable(record, ctx.actor.id);
      const next = {
        categoryId: input.categoryId ?? record.categoryId,
        amount: input.amount ? { ...input.amount } : record.amount,
        expenseDate: input.expenseDate ?? record.expenseDate,
        description: input.description ?? record.description,
        projectId: input.projectId === undefined ? record.projectId : input.projectId,
        receiptFileIds: input.receiptFileIds ?? record.receiptFileIds,
      };
      const category = await categoryOf(next.categoryId);
      if (next.projectId !== record.projectId) await checkProject(next.projectId);
      if (input.receiptFileIds) await checkReceipts(record.userId, next.receiptFileIds, record.receiptFileIds);
      const submit = input.action === 'submit';
      const saved = await asClaimant(record.userId, async () => {
        const current = await claims.get(record.id);
        if (!current) throw notFound('Expense', record.id);
        assertExpenseEditable(current, ctx.actor.id);
        if (current.version !== input.version) {
          throw versionConflict('Expense', record.id, input.version, current.version);
        }
        if (submit) {
          const { fields } = await submission(ctx, { ...current, ...next });
          return claims.updateDraft(
            record.id,
            input.version,
            { ...next, ...fields, workflowId: approvals.newWorkflowId() },
            ctx.now,
            true,
          );
        }
        const converted = await baseOf(next.amount, next.expenseDate, ctx.now, false);
        return claims.updateDraft(
          record.id,
          input.version,
          { ...next, base: converted.amount, rate: converted.rate, rateDate: converted.rateDate },
          ctx.now,
        );
      });
      if (submit) {
        try {
          await startWorkflow(ctx, saved, category);
        } catch (error) {
          await claims.backToDraft(saved.id, input.version, ctx.now);
          throw error;
        }
      }
      await audit.record(ctx, {
        action: submit ? 'expense.submit' : 'expense.update',
        resourceType: 'expense',
        resourceId: record.id,
        before: {
          categoryId: record.categoryId,
          amount: record.amount,
          expenseDate: record.expenseDate,
          description: record.description,
          projectId: record.projectId,
          receiptFileIds: record.receiptFileIds,
        },
        after: { ...next, base: saved.base, limits: saved.limits, workflowId: saved.workflowId },
      });
      return viewOf(record.id, ctx.now);
    },

    async cancel(ctx, input) {
      const record = await loadVisible(ctx, input.id);
      const workflow = record.workflowId ? await deps.repos.approvals.get(record.workflowId) : null;
      const decision = decideExpenseCancel({
        claim: record,
        actorId: ctx.actor.id,
        isFinance: canOn(ctx.actor, 'reimburse', 'ExpenseClaim', subjectShape(record)),
        decisions: workflow?.decisions.length ?? 0,
      });
      const reason = input.reason ?? null;
      if (decision.kind === 'workflow') {
        // The claimant's withdrawal holds only while nobody has decided: checked again in the engine's write.
        await approvals.cancel(ctx, record.workflowId as string, {
          onBehalf: decision.onBehalf,
          undecided: !decision.onBehalf,
        });
        await claims.note(record.id, { cancelledBy: ctx.actor.id, cancelReason: reason });
      } else {
        await claims.cancel(record.id, decision.kind, record.version, ctx.actor.id, reason, ctx.now);
      }
      await audit.record(ctx, {
        action: 'expense.cancel',
        resourceType: 'expense',
        resourceId: record.id,
        before: { status: expenseStatusOf(record) },
        after: { status: 'cancelled', reason },
      });
      return viewOf(record.id, ctx.now);
    },

    async decideStage(ctx, role, decision, input) {
      const record = await loadForStage(ctx, input.id, role);
      const workflow = record.workflowId ? await deps.repos.approvals.get(record.workflowId) : null;
      if (!workflow) {
        throw new DomainError('REQUEST_NOT_PENDING', 'The claim is a draft: nothing to decide yet', {
          status: expenseStatusOf(record),
        });
      }
      const stage = expenseStageFor(workflow, role, ctx.actor.id);
      await approvals.decide(ctx, decisionFor(workflow.id, decision, { ...input, stage }));
      return viewOf(record.id, ctx.now);
    },

    async approvals(ctx, query) {
      const inbox = await approvals.inbox(ctx, {
        kind: 'expense',
        page: query.page,
        limit: query.limit,
        sort: 'dueAt',
      });
      const records = await claims.byIds(inbox.items.map((i) => i.subject.id));
      const byId = new Map(records.map((r) => [r.id, r]));
      const ordered = inbox.items.flatMap((i) => {
        const r = byId.get(i.subject.id);
        return r ? [{ record: r, stage: i.stage.name }] : [];
      });
      const shown = await views(
        ordered.map((o) => o.record),
        ctx.now,
      );
      const items: ExpenseApprovalItem[] = shown.map((view, i) => ({ ...view, stage: ordered[i]?.stage ?? '' }));
      // The totals are of the whole queue, every page of it.
      const whole = query.page === 1 && inbox.total === inbox.items.length;
      const all = whole ? records : await claims.byIds(await queuedIds(ctx, inbox.total));
      const perCurrency = new Map<string, { minor: number; claims: number }>();
      const base = { currency: (await settings.current(ctx.now)).finance.baseCurrency, minor: 0, claims: 0 };
      for (const r of all) {
        const line = perCurrency.get(r.amount.currency) ?? { minor: 0, claims: 0 };
        line.minor += r.amount.minor;
        line.claims += 1;
        perCurrency.set(r.amount.currency, line);
        base.minor += r.base?.minor ?? 0;
        base.claims += 1;
      }
      return {
        claims: { items, total: inbox.total, page: inbox.page, limit: inbox.limit },
        totals: {
          byCurrency: [...perCurrency.entries()]
            .map(([currency, line]) => ({ currency, ...line }))
            .sort((a, b) => a.currency.localeCompare(b.currency)),
          base,
        },
      };
    },

    async reimburse(ctx, input) {
      const record = await loadVisible(ctx, input.id);
      if (record.userId === ctx.actor.id) {
        throw new DomainError('FORBIDDEN', 'Nobody records the payment of their own claim', {});
      }
      assertCan(ctx.actor, 'reimburse', 'ExpenseClaim', subjectShape(record));
      assertReimbursable(record);
      const payment = { paidOn: input.paidOn, reference: input.reference, by: ctx.actor.id };
      await claims.reimburse(record.id, record.version, payment, ctx.now);
      await events.publish('expense.reimbursed', {
        expenseId: record.id,
        userId: record.userId,
        amount: record.amount,
        description: record.description,
        ...payment,
        at: ctx.now,
      });
      await audit.record(ctx, {
        action: 'expense.reimburse',
        resourceType: 'expense',
        resourceId: record.id,
        before: { status: 'approved' },
        after: { status: 'reimbursed', paidOn: input.paidOn, reference: input.reference },
      });
      return viewOf(record.id, ctx.now);
    },

    async uploadReceipt(ctx, input) {
      let key = newIdString();
      if (input.id !== undefined) {
        const record = await loadVisible(ctx, input.id);
        if (record.userId !== ctx.actor.id) {
          throw new DomainError('FORBIDDEN', 'Only the claimant adds receipts', {});
        }
        if (record.status !== 'draft' && !(record.status === 'pending' && !record.financeApprovedAt)) {
          throw new DomainError('EXPENSE_NOT_DRAFT', 'Receipts are added until Finance has decided', {
            status: expenseStatusOf(record),
          });
        }
        if (record.receiptFileIds.length >= MAX_RECEIPTS) {
          throw validationFailed(`A claim holds at most ${MAX_RECEIPTS} receipts`, [
            { path: 'file', message: `at most ${MAX_RECEIPTS} receipts`, code: 'too_big' },
          ]);
        }
        key = record.id;
      }
      const stored = await files.store(ctx, {
        purpose: 'expense-receipt',
        owner: { type: 'expense', id: key },
        name: input.file.name,
        body: Buffer.from(await input.file.arrayBuffer()),
      });
      await attachments.add(stored.id, key, ctx.actor.id, ctx.now);
      if (input.id !== undefined) await claims.addReceipt(input.id, stored.id);
      const [view] = await receiptViews([stored.id]);
      return view as ReceiptView;
    },
  };
}
