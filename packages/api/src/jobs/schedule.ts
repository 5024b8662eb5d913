import { createRepositories } from '@seed-pms/db';
import type { AppDeps } from '../app/deps.js';
import { resealAll, sealedFields } from '../auth/sealed-fields.js';
import { dataBox } from '../auth/secrets.js';
import { registerFileJobs } from '../files/files.service.js';
import { registerOutboxJobs } from '../mail/outbox.service.js';
import { ERASURE_JOB } from '../privacy/erasure.service.js';
import { EXPORT_BUILD_JOB, EXPORT_EXPIRE_JOB, EXPORT_RESUME_JOB } from '../privacy/exports.service.js';
import { RETENTION_JOB } from '../privacy/retention.service.js';
import { createServices, serviceInternals } from '../services.js';
import { WEBHOOKS_DELIVER_JOB, WEBHOOKS_PURGE_JOB } from '../webhooks/webhooks.service.js';
import { recordingRuns } from './job-runs.js';

const HOUR = 3600_000;

/**
 * Gives accounts without a profile one, re-copies stale account fields (after a
 * crash between the two writes) and re-derives search keys stored under an
 * older rule; at start-up (in the background) and daily.
 */
export const PROFILE_REPAIR_JOB = 'employees.repair-profiles';
/** Gives catalog items written before accent-folded search keys existed their key (at start-up, then daily). */
/** Gives accounts, projects and catalog items the accent-folded search keys their names give today. */
export const SEARCH_KEYS_REPAIR_JOB = 'search.repair-keys';
const DAY = 24 * HOUR;
/** Requests left behind by a crash between their workflow's write and theirs follow it (every 5 minutes). */
export const APPROVALS_RECONCILE_JOB = 'approvals.reconcile';
/** Reminders, escalations and timeouts that fell due, and delegations that started or ended (every minute). */
export const APPROVALS_ADVANCE_JOB = 'approvals.advance';
/** Old notifications and expired one-click links go (daily). */
export const NOTIFICATIONS_PURGE_JOB = 'notifications.purge';
/** Repairs the allocation history and recomputes over-allocation halos as days pass. */
export const CAPACITY_REFRESH_JOB = 'projects.refresh-capacity';
/** Leave credits that fell due (monthly and yearly accruals, pro-rata), once per person, type and period (daily, so a missed run catches up). */
export const LEAVE_ACCRUE_JOB = 'leave.accrue';
/** At the leave-year boundary, what carries over; when carried days lapse, what was not used (daily). */
export const LEAVE_CARRY_JOB = 'leave.carry-forward';
/** Every balance recomputed from its ledger; a differing projection is reported and repaired (daily). */
export const LEAVE_REBUILD_JOB = 'leave.rebuild-balances';
/** Days still open after their check-out time end, flagged missingCheckout (every 15 minutes). */
export const ATTENDANCE_CHECKOUT_JOB = 'attendance.auto-checkout';
/** One notification per recipient of messages left unread past the digest delay (every minute). */
export const MESSAGES_DIGEST_JOB = 'messages.digest';
/** Live-feed events older than a week go (daily). */
export const MESSAGES_PURGE_JOB = 'messages.purge-events';
/** Key rotation: every sealed value not under the current DATA_ENCRYPTION_KEY re-sealed under it (daily, and enqueued). */
export const SECRETS_RESEAL_JOB = 'secrets.reseal';
/** The retention policy (settings `retention`): old sessions, tokens, read notifications, sent emails and messages go, old punches lose their IP and location (daily). */
export { RETENTION_JOB };
/** Deletes job runs older than JOB_RUNS_KEEP_MS (daily). */
export const JOB_RUNS_PURGE_JOB = 'jobs.purge-runs';

/**
 * Background work and periodic housekeeping. Expiry is done here because not
 * every supported server has TTL indexes. Every job is registered through
 * `recordingRuns`, so each run leaves a record in `job_runs` with the counts
 * its handler returns (GET /admin/jobs).
 */
export async function registerJobs(deps: AppDeps): Promise<void> {
  const services = await createServices(deps);
  const repos = createRepositories(deps.database);
  const jobs = recordingRuns(deps.jobs, repos.jobRuns, deps.clock, deps.logger);

  registerOutboxJobs(jobs, services.outbox, deps.clock);
  registerFileJobs(jobs, (await serviceInternals(deps)).files);
  const { leave } = await serviceInternals(deps);
  jobs.register(LEAVE_ACCRUE_JOB, () => leave.accrue(deps.clock()), { everyMs: DAY });
  jobs.register(LEAVE_CARRY_JOB, () => leave.carryForward(deps.clock()), { everyMs: DAY });
  jobs.register(LEAVE_REBUILD_JOB, () => leave.rebuildBalances(deps.clock()), { everyMs: DAY });
  jobs.register(ATTENDANCE_CHECKOUT_JOB, () => services.attendance.autoCheckout(deps.clock()), {
    everyMs: 15 * 60_000,
  });
  jobs.register(
    PROFILE_REPAIR_JOB,
    async () => {
      const repaired = await repos.employees.repair(deps.clock());
      if (repaired > 0)
        deps.logger.warn({ repaired }, 'employee profiles repaired (missing, stale account copies or search keys)');
      return { repaired };
    },
    { everyMs: 24 * HOUR },
  );
  jobs.register(
    SEARCH_KEYS_REPAIR_JOB,
    async () => {
      const repaired = {
        catalogItems: await repos.catalogs.repairSearchKeys(),
        projects: await repos.projects.repairSearchKeys(),
        accounts: await repos.users.repairSearchKeys(),
      };
      if (Object.values(repaired).some((n) => n > 0)) deps.logger.info(repaired, 'search keys repaired');
      return repaired;
    },
    { everyMs: DAY },
  );
  jobs.register(
    CAPACITY_REFRESH_JOB,
    async () => {
      const now = deps.clock();
      const { capacity, projects } = await serviceInternals(deps);
      // Archived people keep no allocation past their archive day, even when the archive event failed.
      const ended = await projects.endAllocationsOfArchived(now);
      if (ended > 0) deps.logger.warn({ ended }, 'allocations of archived people ended by the hourly job');
      // History first (after a change interrupted between its two writes), then the halos.
      const repaired = await capacity.reconcile(now);
      if (repaired > 0) deps.logger.warn({ repaired }, 'allocation history repaired to match the capacity ledgers');
      const flagsChanged = await capacity.refreshFlags(now);
      return { ended, repaired, flagsChanged };
    },
    { everyMs: HOUR },
  );
  jobs.register(
    APPROVALS_RECONCILE_JOB,
    async () => {
      const repaired = await services.approvals.reconcile(deps.clock());
      if (repaired > 0) deps.logger.warn({ repaired }, 'requests brought in line with their approval workflows');
      return { repaired };
    },
    { everyMs: 5 * 60_000 },
  );
  jobs.register(
    APPROVALS_ADVANCE_JOB,
    async () => {
      const counts = await services.approvals.advance(deps.clock());
      if (Object.values(counts).some((n) => n > 0)) deps.logger.info(counts, 'approval timers and delegations applied');
      return { ...counts };
    },
    { everyMs: 60_000 },
  );
  jobs.register(
    NOTIFICATIONS_PURGE_JOB,
    async () => {
      const now = deps.clock();
      const { notifications } = await serviceInternals(deps);
      const purged = await notifications.purge(now);
      // Links are useless once expired; a week later nobody asks about them either.
      const links = await repos.approvalLinks.purgeExpired(new Date(now.getTime() - 7 * DAY));
      if (purged + links > 0) deps.logger.info({ purged, links }, 'old notifications and expired links purged');
      return { purged, links };
    },
    { everyMs: DAY },
  );
  jobs.register(
    'idempotency.purge-expired',
    async () => ({ purged: await services.idempotency.purgeExpired(deps.clock()) }),
    { everyMs: HOUR },
  );
  jobs.register(
    'auth.purge-expired',
    async () => {
      // Ended sessions stay a month for investigations; used tokens and old failure counts a day.
      return { ...(await services.auth.purgeExpired(deps.clock())) };
    },
    { everyMs: HOUR },
  );
  jobs.register(
    MESSAGES_DIGEST_JOB,
    async () => ({ ...(await (await serviceInternals(deps)).messaging.sendDigests(deps.clock())) }),
    { everyMs: 60_000 },
  );
  jobs.register(
    MESSAGES_PURGE_JOB,
    async () => ({ purged: await (await serviceInternals(deps)).messaging.purgeEvents(deps.clock()) }),
    { everyMs: DAY },
  );
  jobs.register(
    SECRETS_RESEAL_JOB,
    () => resealAll(dataBox(deps.config), sealedFields(repos), { logger: deps.logger }),
    { everyMs: DAY },
  );
  // Personal-data exports: built when requested, resumed after a crash, their ZIPs removed after 7 days.
  jobs.register(EXPORT_BUILD_JOB, (data) => services.exports.build(String(data.exportId)));
  jobs.register(EXPORT_RESUME_JOB, () => services.exports.resumeStalled(deps.clock()), { everyMs: 5 * 60_000 });
  jobs.register(EXPORT_EXPIRE_JOB, () => services.exports.expireDue(deps.clock()), { everyMs: DAY });
  // Webhook deliveries: sent on demand (each event wakes the sender) and every 15 s (retries whose backoff
  // has passed, lost wake-ups); settled ones leave the log after 30 days.
  jobs.register(
    WEBHOOKS_DELIVER_JOB,
    async () => ({ ...(await (await serviceInternals(deps)).webhooks.deliverDue()) }),
    { everyMs: 15_000 },
  );
  jobs.register(
    WEBHOOKS_PURGE_JOB,
    async () => ({ purged: await (await serviceInternals(deps)).webhooks.purge(deps.clock()) }),
    { everyMs: DAY },
  );
  jobs.register(JOB_RUNS_PURGE_JOB, async () => ({ purged: await services.jobRuns.purge(deps.clock()) }), {
    everyMs: DAY,
  });
  // Approved erasures: enqueued by the approval, and hourly for any that waited (a legal hold released, a lost enqueue).
  jobs.register(ERASURE_JOB, async () => ({ ...(await services.erasure.runApproved(deps.clock())) }), {
    everyMs: HOUR,
  });
  jobs.register(RETENTION_JOB, async () => ({ ...(await services.retention.run(deps.clock())) }), { everyMs: DAY });
}
