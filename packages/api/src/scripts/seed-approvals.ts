import type { Repositories } from '@seed-pms/db';
import {
  type Actor,
  addDays,
  dayInTimezone,
  type PolicyStage,
  type WorkLocationStatus,
  type WorkLocationType,
} from '@seed-pms/domain';
import { type ActorContext, systemCallContext } from '../app/call-context.js';
import type { Services } from '../services.js';
import { mulberry32 } from './seed-common.js';

/** The strict policy the demo shows: WFH longer than 5 working days needs the Manager, then HR. */
export const DEMO_WORK_LOCATION_STAGES: PolicyStage[] = [
  { name: 'Manager', approvers: ['manager'], rule: 'any', when: { minWorkingDays: 6, workLocationTypes: ['wfh'] } },
  { name: 'HR', approvers: ['hr'], rule: 'any', when: { minWorkingDays: 6, workLocationTypes: ['wfh'] } },
];

export interface SeededApprovals {
  requests: Record<WorkLocationStatus, number>;
}

async function actorOf(repos: Repositories, id: string): Promise<Actor> {
  const user = await repos.users.get(id);
  if (!user) throw new Error(`no account ${id}`);
  return { id: user.id, email: user.email, roles: user.roles, sessionId: null, pending: [] };
}

/**
 * Work-location requests in every state, made through the approvals engine
 * exactly as the API makes them (so each has its workflow, audit entries and
 * decisions), and the strict policy example. Deterministic for a seed.
 */
export async function seedApprovals(
  services: Services,
  repos: Repositories,
  people: { employeeIds: readonly string[]; adminId: string },
  options: { seed: number; now: Date; requests?: number },
): Promise<SeededApprovals> {
  const random = mulberry32(options.seed ^ 0x5eed);
  const as = async (id: string): Promise<ActorContext> => ({
    ...systemCallContext('seed', options.now),
    actor: await actorOf(repos, id),
  });
  const admin = await as(people.adminId);
  const current = await services.approvals.policy(admin, 'workLocation');
  await services.approvals.updatePolicy(admin, {
    kind: 'workLocation',
    version: current.version,
    mode: 'strict',
    stages: DEMO_WORK_LOCATION_STAGES,
  });

  const { timezone } = (await services.settings.current(options.now)).organization;
  const today = dayInTimezone(options.now, timezone);
  const counts: Record<WorkLocationStatus, number> = { pending: 0, approved: 0, rejected: 0, cancelled: 0 };
  // Everyone but the CEO may ask; each person once, so requests never overlap.
  const candidates = people.employeeIds.slice(1);
  const wanted = Math.min(options.requests ?? 80, candidates.length);
  const chosen = new Set<number>();
  while (chosen.size < wanted) chosen.add(Math.floor(random() * candidates.length));
  for (const index of chosen) {
    const requesterId = candidates[index] as string;
    const roll = random();
    const type: WorkLocationType = roll < 0.7 ? 'wfh' : roll < 0.85 ? 'wfo' : 'other';
    const start = addDays(today, Math.floor(random() * 44) - 3);
    const length = 1 + Math.floor(random() * (random() < 0.2 ? 12 : 4));
    const end = addDays(start, length - 1) < today ? today : addDays(start, length - 1);
    const requester = await as(requesterId);
    const request = await services.workLocation.submit(requester, {
      type,
      startDate: start,
      endDate: end,
      ...(type === 'other' ? { note: 'At the client’s office' } : random() < 0.5 ? { note: 'Focus days' } : {}),
    });
    const outcome = random();
    if (outcome < 0.4) {
      counts.pending++;
      continue;
    }
    if (outcome < 0.5) {
      await services.workLocation.update(requester, { id: request.id, action: 'cancel' });
      counts.cancelled++;
      continue;
    }
    const reject = outcome < 0.65;
    // Each stage's first approver decides until the workflow closes.
    for (let stage = 0; stage < 5; stage++) {
      const workflow = await services.approvals.get(requester, request.workflowId);
      const approverId = workflow.summary.awaiting[0]?.id;
      if (workflow.state !== 'pending' || !approverId) break;
      await services.approvals.decide(await as(approverId), {
        workflowId: request.workflowId,
        decision: reject ? 'reject' : 'approve',
        ...(reject ? { reason: 'The team is on site that week' } : { comment: 'Fine by me' }),
      });
    }
    const final = await services.approvals.get(requester, request.workflowId);
    if (final.state === 'approved') counts.approved++;
    else if (final.state === 'rejected') counts.rejected++;
    else counts.pending++;
  }
  return { requests: counts };
}
