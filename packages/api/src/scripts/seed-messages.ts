import type { Repositories } from '@seed-pms/db';
import { type Actor, isDomainError } from '@seed-pms/domain';
import { type ActorContext, systemCallContext } from '../app/call-context.js';
import type { Services } from '../services.js';
import { mulberry32 } from './seed-common.js';

export interface SeededMessages {
  threads: number;
  messages: number;
  /** Threads left with messages the recipient has not read. */
  unreadThreads: number;
}

const LINES = [
  'Morning! Do you have ten minutes today?',
  'Sure, after the stand-up works for me.',
  'Could you look at the estimate before Thursday?',
  'Done — I left two comments in the doc.',
  'Thanks, that helps a lot 🙏',
  'Are we still on for the demo on Friday?',
  'Yes. I will share the slides tonight.',
  'The client asked for the numbers per quarter.',
  'I can pull them from the report tomorrow morning.',
  'Heads up: I am out on Monday.',
  'No problem, enjoy the long weekend!',
  'Who is covering the release on-call this week?',
  'I am, ping me if anything breaks.',
  'Lunch at 12:30?',
  'Can we move our 1:1 to Wednesday?\nTuesday is packed.',
  'Great work on the launch yesterday 🎉',
  'I pushed a fix for the login bug; can you check it on staging?',
  'Checked, it works. Merging.',
];

async function actorOf(repos: Repositories, id: string): Promise<Actor | null> {
  const user = await repos.users.get(id);
  if (!user || user.status !== 'active') return null;
  return { id: user.id, email: user.email, roles: user.roles, sessionId: null, pending: [] };
}

/**
 * Message threads with a history over the last two weeks, made through the
 * messaging use cases exactly as the API makes them: each demo login (the
 * `focusIds`) talks with a few colleagues, and random pairs of others talk
 * too; some threads are read to the end, others leave the recipient unread
 * messages. Deterministic for a seed (the times are relative to `now`).
 */
export async function seedMessages(
  services: Services,
  repos: Repositories,
  people: { employeeIds: readonly string[]; focusIds: readonly string[] },
  options: { seed: number; now: Date; threads?: number },
): Promise<SeededMessages> {
  const random = mulberry32(options.seed ^ 0x3e55a6e);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const at = (id: string, now: Date): Promise<ActorContext | null> =>
    actorOf(repos, id).then((actor) => (actor ? { ...systemCallContext('seed', now), actor } : null));

  const pairs = new Set<string>();
  const wanted = options.threads ?? 60;
  const result: SeededMessages = { threads: 0, messages: 0, unreadThreads: 0 };
  for (let attempt = 0; result.threads < wanted && attempt < wanted * 5; attempt++) {
    // The first threads belong to the demo logins (five each), then anyone.
    const focus = people.focusIds[Math.floor(result.threads / 5)];
    const a = focus ?? pick(people.employeeIds);
    const b = pick(people.employeeIds);
    const key = [a, b].sort().join(':');
    if (a === b || pairs.has(key)) continue;
    pairs.add(key);
    let when = new Date(options.now.getTime() - (1 + random() * 13) * 86_400_000);
    const starter = await at(a, when);
    if (!starter || !(await actorOf(repos, b))) continue;
    const thread = await services.messages.createThread(starter, { participantId: b });
    result.threads += 1;
    const count = 2 + Math.floor(random() * 10);
    let sender = a;
    for (let i = 0; i < count; i++) {
      when = new Date(when.getTime() + (1 + random() * 240) * 60_000);
      if (when >= options.now) break;
      const ctx = await at(sender, when);
      if (!ctx) break;
      try {
        await services.messages.send(ctx, { id: thread.id, body: pick(LINES) });
        result.messages += 1;
      } catch (error) {
        if (isDomainError(error) && error.code === 'RECIPIENT_ARCHIVED') break;
        throw error;
      }
      if (random() < 0.6) sender = sender === a ? b : a;
      // The other side reads now and then; the last messages of some threads stay unread.
      const reader = sender === a ? b : a;
      if (random() < 0.5) {
        const readCtx = await at(reader, new Date(when.getTime() + 60_000));
        if (readCtx && readCtx.now < options.now) await services.messages.markRead(readCtx, { id: thread.id });
      }
    }
    const readNow = random() < 0.6;
    for (const id of [a, b]) {
      const ctx = await at(id, new Date(Math.min(when.getTime() + 120_000, options.now.getTime())));
      if (!ctx) continue;
      if (readNow) await services.messages.markRead(ctx, { id: thread.id });
    }
    if (!readNow) result.unreadThreads += 1;
  }
  return result;
}
