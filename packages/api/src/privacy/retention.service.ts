import type { RetentionTarget } from '@seed-pms/db';
import {
  RETENTION_CLASSES,
  type RetentionCounts,
  type RetentionCutoff,
  type RetentionPreviewView,
  retentionCutoffs,
} from '@seed-pms/domain';
import { assertCan } from '../access/ability.js';
import { type ActorContext, systemCallContext } from '../app/call-context.js';
import type { ServiceDeps } from '../app/deps.js';
import type { AuditService } from '../audit/audit.service.js';
import type { SettingsService } from '../settings/settings.service.js';

/** The daily job that applies the retention policy (its runs are in GET /admin/jobs). */
export const RETENTION_JOB = 'privacy.retention';

export interface RetentionService {
  /** The dry run: per data class, the cutoff and how many documents a run would delete or pseudonymise now. */
  preview(ctx: ActorContext): Promise<RetentionPreviewView>;
  /** Applies the policy as of `now`, in batches, leaving out people under a legal hold; the counts per class. */
  run(now: Date): Promise<RetentionCounts>;
}

export function createRetentionService(
  deps: Pick<ServiceDeps, 'repos'>,
  services: { audit: AuditService; settings: SettingsService },
): RetentionService {
  const { repos } = deps;

  function targetOf(cutoff: RetentionCutoff, held: readonly string[], now: Date): RetentionTarget {
    switch (cutoff.dataClass) {
      case 'sessions':
        return repos.sessions.retention(cutoff.cutoff, held);
      case 'authTokens':
        return repos.authTokens.retention(cutoff.cutoff, held);
      case 'notifications':
        return repos.notifications.retentionOfRead(cutoff.cutoff, held);
      case 'mailOutbox':
        return repos.outbox.retentionOfFinished(cutoff.cutoff);
      case 'attendancePunches':
        return repos.attendance.retentionOfPunchFacts(cutoff.cutoffDay ?? '0000-01-01', held, now);
      case 'messages':
        return repos.messaging.retentionOfMessages(cutoff.cutoff, held);
    }
  }

  /** The cutoffs as of `now` (the settings read fresh, not cached) and each class's target. */
  async function plan(now: Date) {
    const settings = await services.settings.get(now);
    const held = await repos.legalHolds.heldUserIds();
    return retentionCutoffs(settings.retention, now, settings.organization.timezone).map((cutoff) => ({
      cutoff,
      target: targetOf(cutoff, held, now),
    }));
  }

  return {
    async preview(ctx) {
      assertCan(ctx.actor, 'read', 'RetentionPolicy', {});
      const steps = await plan(ctx.now);
      const counts = await Promise.all(steps.map((s) => s.target.count()));
      return {
        items: steps.map(({ cutoff }, i) => ({
          dataClass: cutoff.dataClass,
          action: cutoff.action,
          setting: cutoff.setting,
          cutoff: cutoff.cutoff.toISOString(),
          count: counts[i] ?? 0,
          skipsLegalHolds: cutoff.skipsLegalHolds,
          description: cutoff.description,
        })),
      };
    },

    async run(now) {
      const counts = Object.fromEntries(RETENTION_CLASSES.map((c) => [c, 0])) as RetentionCounts;
      for (const { cutoff } of await plan(now)) {
        // The holds are read again before each batch: one placed while the run goes on protects from the next batch on.
        for (;;) {
          const done = await targetOf(cutoff, await repos.legalHolds.heldUserIds(), now).step();
          if (done === 0) break;
          counts[cutoff.dataClass] += done;
        }
      }
      if (Object.values(counts).some((n) => n > 0)) {
        await services.audit.record(systemCallContext(RETENTION_JOB, now), {
          action: 'retention.run',
          resourceType: 'retentionPolicy',
          resourceId: 'organization',
          // What was done, per class with something to do (a list: the trail redacts keys that look like secrets).
          details: {
            done: RETENTION_CLASSES.filter((c) => counts[c] > 0).map((c) => ({ dataClass: c, count: counts[c] })),
          },
        });
      }
      return counts;
    },
  };
}
