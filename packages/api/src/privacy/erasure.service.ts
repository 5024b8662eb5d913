import {
  accessQuery,
  type CreateErasureRequestInput,
  decideErasureCancel,
  decideErasureRequest,
  decideErasureRun,
  type ErasureRequestRecord,
  type ErasureRequestView,
  erasureApprovalSubject,
  erasureCompletedAudit,
  erasurePseudonym,
  identifierPattern,
  type ListErasureRequestsQuery,
  type Page,
} from '@seed-pms/domain';
import { abilityFor, loadSeen, requestShape } from '../access/ability.js';
import { type ActorContext, systemCallContext } from '../app/call-context.js';
import type { ServiceDeps } from '../app/deps.js';
import type { ApprovalKindRegistration, ApprovalsService } from '../approvals/approvals.service.js';
import type { AuditService } from '../audit/audit.service.js';
import type { AuthService } from '../auth/auth.service.js';
import type { EventBus } from '../events/event-bus.js';
import type { ObjectStorage } from '../files/storage/storage.js';
import type { ConsentsService } from './consents.service.js';
import type { DataKeys } from './data-keys.js';
import type { ExportsService } from './exports.service.js';

/** The job that carries out approved erasures. */
export const ERASURE_JOB = 'privacy.erasure';
const BATCH = 20;

export interface ErasureApi {
  /** Self, or HR for anyone: through the approvals engine (HR, then an Admin). */
  request(ctx: ActorContext, input: CreateErasureRequestInput): Promise<ErasureRequestView>;
  /** The person, or whoever asked on their behalf, withdraws a pending request (through the engine). */
  cancel(ctx: ActorContext, id: string): Promise<ErasureRequestView>;
  get(ctx: ActorContext, id: string): Promise<ErasureRequestView>;
  list(ctx: ActorContext, query: ListErasureRequestsQuery): Promise<Page<ErasureRequestView>>;
}

export interface ErasureService extends ErasureApi {
  readonly approvalKind: ApprovalKindRegistration;
  /** Carries out approved requests (the erasure job; also right after the approval). */
  runApproved(now: Date): Promise<{ completed: number; blocked: number; failed: number }>;
  /** Carries out one approved request now; what it changed, or null when it waits (legal hold) or is not approved. */
  carryOut(requestId: string, now: Date): Promise<Record<string, number> | null>;
}

/**
 * Erasure (GDPR art. 17) that keeps the records honest. Carried out in steps
 * that may each run again after a crash: the account first (a pseudonym that
 * can never sign in, so nothing restores it halfway), the profile, the
 * person's files (bytes, then records), technical traces, free text they wrote
 * or that is about them, their name in others' free text, consents and
 * exports; the person's data key last, which leaves the personal parts of the
 * audit trail unreadable while the chain still verifies. Capacity, leave,
 * attendance and expense records stay, referencing the pseudonymous account.
 */
export function createErasureService(
  deps: Pick<ServiceDeps, 'repos' | 'jobs' | 'logger'>,
  services: {
    audit: AuditService;
    approvals: ApprovalsService;
    auth: AuthService;
    events: EventBus;
    consents: ConsentsService;
    exports: ExportsService;
    storage: ObjectStorage;
    dataKeys: DataKeys;
  },
): ErasureService {
  const { erasureRequests: requests, erasure, users, employees, legalHolds } = deps.repos;
  const { audit, approvals, auth, events, consents, exports, storage, dataKeys } = services;

  async function views(records: readonly ErasureRequestRecord[], now: Date): Promise<ErasureRequestView[]> {
    const [summaryOf, cards] = await Promise.all([
      approvals.summaries(
        records.map((r) => r.workflowId),
        now,
      ),
      employees.cards([...new Set(records.flatMap((r) => [r.userId, r.requestedBy]))]),
    ]);
    const person = (id: string) => ({ id, name: cards.get(id)?.name ?? 'Unknown person' });
    return records.map((r) => ({
      id: r.id,
      user: person(r.userId),
      requestedBy: person(r.requestedBy),
      reason: r.reason,
      status: r.status,
      workflowId: r.workflowId,
      approval: summaryOf(r.workflowId),
      decidedAt: r.decidedAt?.toISOString() ?? null,
      completedAt: r.completedAt?.toISOString() ?? null,
      blockedBy: r.blockedBy ? { ...r.blockedBy, at: r.blockedBy.at.toISOString() } : null,
      counts: r.counts,
      version: r.version,
      createdAt: r.createdAt.toISOString(),
      updatedAt: r.updatedAt.toISOString(),
    }));
  }

  const viewOf = async (record: ErasureRequestRecord, now: Date) =>
    (await views([record], now))[0] as ErasureRequestView;

  function add(into: Record<string, number>, counts: Record<string, number>) {
    for (const [name, n] of Object.entries(counts)) into[name] = (into[name] ?? 0) + n;
  }

  async function carryOut(requestId: string, now: Date): Promise<Record<string, number> | null> {
    const request = await requests.get(requestId);
    if (!request) return null;
    const decision = decideErasureRun(request, await legalHolds.forUser(request.userId));
    if (decision.kind === 'skip') return null;
    if (decision.kind === 'blocked') {
      const { code, message } = decision.error;
      await requests.setBlocked(request.id, { code, message, at: now }, now);
      return null;
    }
    const user = await users.get(request.userId);
    const pseudonym = erasurePseudonym(request.userId);
    const counts: Record<string, number> = {};
    // Who they were, as the account and the profile had them: noted by the first run, so a run after a crash
    // (when the account already holds the pseudonym) still finds their name and address.
    const profile = (await employees.cards([request.userId])).get(request.userId);
    const identity = await requests.rememberIdentity(request.id, {
      names: [...new Set([user?.name, profile?.name])].filter((n): n is string => Boolean(n) && n !== pseudonym.name),
      email: user && user.email !== pseudonym.email ? user.email : null,
      wasActive: user?.status === 'active',
    });
    const identifiers = identifierPattern([...identity.names, ...(identity.email ? [identity.email] : [])]);
    const target = { userId: request.userId, pseudonym, identifiers, email: identity.email, now };
    // Mentions first, while the name is still known; then the account, so a crash leaves nobody to sign in.
    add(counts, await erasure.scrubMentions(target));
    add(counts, await erasure.pseudonymiseAccount(target));
    await auth.endSessions(request.userId, 'user-erased', now);
    add(counts, await erasure.pseudonymiseProfile(target));
    const files = await erasure.profileFiles(request.userId);
    for (const file of files) await storage.delete(file.storageKey);
    add(counts, { storedFiles: files.length });
    add(counts, await erasure.deleteFiles(files.map((f) => f.id)));
    add(counts, await erasure.deleteTechnical(target));
    add(counts, await erasure.removeFreeText(target));
    const consentCounts = await consents.eraseFor(request.userId);
    add(counts, { consents: consentCounts.consents, consent_history: consentCounts.history });
    add(counts, { privacy_exports: (await exports.eraseFor(request.userId)).exports });
    add(counts, { data_keys: (await dataKeys.shred(request.userId)) ? 1 : 0 });
    const completed = await requests.complete(request.id, counts, now);
    if (completed) {
      const ctx = systemCallContext(ERASURE_JOB, now);
      await audit.record(ctx, erasureCompletedAudit(request, counts));
      if (identity.wasActive) {
        await events.publish('user.archived', { userId: request.userId, at: now, by: null, reason: 'erased' });
      }
    }
    return counts;
  }

  const approvalKind: ApprovalKindRegistration = {
    kind: 'erasure',
    async subject(id) {
      const r = await requests.get(id);
      return r ? erasureApprovalSubject(r) : null;
    },
    async onOutcome(id, outcome, workflow, now) {
      if (outcome === 'reopened') return true;
      const settled = await requests.settle(id, outcome, workflow.subject.version, now);
      // Carried out by the job, outside the engine's write (and again by the daily run if this enqueue is lost).
      if (settled && outcome === 'approved') await deps.jobs.enqueue(ERASURE_JOB, {});
      return settled;
    },
    share: (id, userIds) => requests.addApprovers(id, userIds),
    async pendingSince(after, before) {
      const pending = await requests.pendingBefore(after, before, 500);
      return pending.map((r) => ({ workflowId: r.workflowId, subject: erasureApprovalSubject(r) }));
    },
  };

  const loadVisible = (ctx: ActorContext, id: string) =>
    loadSeen(ctx.actor, 'ErasureRequest', 'Erasure request', id, requests.get, requestShape);

  return {
    approvalKind,
    carryOut,

    async request(ctx, input) {
      const [user, hold, open] = await Promise.all([
        users.get(input.userId),
        legalHolds.forUser(input.userId),
        requests.openFor(input.userId),
      ]);
      const asked = {
        actor: ctx.actor,
        userId: input.userId,
        target: user ? { id: user.id, erasedAt: user.erasedAt } : null,
      };
      const decision = decideErasureRequest({ ...asked, hold, open });
      const stored = await requests.insertPending(
        {
          id: requests.newId(),
          userId: input.userId,
          requestedBy: ctx.actor.id,
          reason: input.reason,
          workflowId: approvals.newWorkflowId(),
        },
        ctx.now,
      );
      // Lost a race with another request for the person: the same refusal as if it had been seen first.
      if (!stored.created) decideErasureRequest({ ...asked, hold: null, open: stored.request });
      try {
        await approvals.start(ctx, 'erasure', stored.request.workflowId, erasureApprovalSubject(stored.request));
      } catch (error) {
        await requests.remove(stored.request.id);
        throw error;
      }
      await audit.record(ctx, decision.audit(stored.request.id));
      return viewOf((await requests.get(stored.request.id)) ?? stored.request, ctx.now);
    },

    async cancel(ctx, id) {
      const record = await loadVisible(ctx, id);
      const { onBehalf } = decideErasureCancel(ctx.actor, record);
      // The engine's cancel settles the request through onOutcome, in its own conditional write.
      await approvals.cancel(ctx, record.workflowId, { onBehalf });
      return viewOf((await requests.get(id)) ?? record, ctx.now);
    },

    async get(ctx, id) {
      return viewOf(await loadVisible(ctx, id), ctx.now);
    },

    async list(ctx, query) {
      const access = accessQuery(abilityFor(ctx.actor), 'read', 'ErasureRequest');
      const page = await requests.list(query, access);
      return { ...page, items: await views(page.items, ctx.now) };
    },

    async runApproved(now) {
      let completed = 0;
      let blocked = 0;
      let failed = 0;
      // Every approved request, page by page: those a hold keeps waiting never stop the others, and one that
      // fails (a storage error) is logged and tried again at the next run while the rest go on.
      for (let afterId: string | null = null; ; ) {
        const batch = await requests.approved(BATCH, afterId);
        for (const request of batch) {
          try {
            if (await carryOut(request.id, now)) completed += 1;
            else blocked += 1;
          } catch (error) {
            failed += 1;
            deps.logger.error({ err: error, requestId: request.id }, 'an erasure step failed; the next run retries');
          }
        }
        const last = batch.at(-1);
        if (batch.length < BATCH || !last) break;
        afterId = last.id;
      }
      return { completed, blocked, failed };
    },
  };
}
