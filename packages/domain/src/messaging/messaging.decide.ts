import { DomainError, notFound } from '../errors/domain-error.js';
import type { NewNotification } from '../notifications/notification.decide.js';
import type { UserStatus } from '../users/user.schemas.js';
import type { LastMessageRecord, MessageRecord, ThreadRecord, ThreadSide } from './messaging.records.js';
import { MESSAGE_PREVIEW_CHARACTERS } from './messaging.schemas.js';

/**
 * The rules of 1:1 messaging as pure functions: the loaded thread, the actor,
 * new ids and `now` in; the next state or a coded DomainError out.
 */

/** Unread messages wait this long before the recipient gets one digest notification about them. */
export const MESSAGE_DIGEST_DELAY_MS = 10 * 60_000;

/** The key that makes a pair's thread single, whoever starts it: `min:max` of the two ids. */
export function pairKeyOf(a: string, b: string): string {
  const [x, y] = [a.toLowerCase(), b.toLowerCase()].sort();
  return `${x}:${y}`;
}

/** The other participant of a thread. */
export function otherParticipant(thread: Pick<ThreadRecord, 'participantIds'>, userId: string): string {
  const [a, b] = thread.participantIds;
  return a === userId ? b : a;
}

export function sideOf(thread: Pick<ThreadRecord, 'sides'>, userId: string): ThreadSide {
  const side = thread.sides.find((s) => s.userId === userId);
  if (!side) throw new Error(`${userId} is not in this thread`);
  return side;
}

/** Messages from the other person this side has not read (sending marks everything before it read). */
export function unreadOf(thread: Pick<ThreadRecord, 'sides' | 'lastSeq'>, userId: string): number {
  return Math.max(0, thread.lastSeq - sideOf(thread, userId).readSeq);
}

/** The thread, for one of its two participants only: anyone else (admins included) is told it does not exist. */
export function assertParticipant(thread: ThreadRecord | null, userId: string, id: string): ThreadRecord {
  if (!thread?.participantIds.includes(userId)) throw notFound('MessageThread', id);
  return thread;
}

/** A line of the message for lists: white space collapsed, cut at 140 characters. */
export function previewOf(body: string): string {
  const line = body.replace(/\s+/gu, ' ').trim();
  const chars = [...line];
  return chars.length <= MESSAGE_PREVIEW_CHARACTERS
    ? line
    : `${chars.slice(0, MESSAGE_PREVIEW_CHARACTERS - 1).join('')}…`;
}

const recipientArchived = (recipientId: string) =>
  new DomainError('RECIPIENT_ARCHIVED', 'The other person’s account is archived: the thread is read-only', {
    recipientId,
  });

/**
 * A new thread between the actor and `participant` (null when nobody has
 * that id): not with oneself, not with an unknown or archived person.
 */
export function decideNewThread(input: {
  actorId: string;
  participantId: string;
  participant: { status: UserStatus } | null;
  id: string;
  now: Date;
}): ThreadRecord {
  const { actorId, participantId, participant, id, now } = input;
  if (participantId.toLowerCase() === actorId.toLowerCase()) {
    throw new DomainError('THREAD_WITH_SELF', 'A thread needs another person', { participantId });
  }
  if (!participant) throw notFound('User', participantId);
  if (participant.status !== 'active') throw recipientArchived(participantId);
  const side = (userId: string): ThreadSide => ({
    userId,
    readSeq: 0,
    readUpTo: null,
    readAt: null,
    notifiedSeq: 0,
    pendingSince: null,
  });
  return {
    id,
    pairKey: pairKeyOf(actorId, participantId),
    participantIds: [actorId, participantId],
    sides: [side(actorId), side(participantId)],
    lastSeq: 0,
    lastMessage: null,
    lastActivityAt: now,
    digestDueAt: null,
    createdBy: actorId,
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
}

/** The next message of a thread, numbered after its newest; refused when the other person is archived. */
export function decideSend(input: {
  thread: ThreadRecord;
  senderId: string;
  recipientStatus: UserStatus | null;
  id: string;
  body: string;
  now: Date;
}): MessageRecord {
  const { thread, senderId, recipientStatus, id, body, now } = input;
  const recipientId = otherParticipant(thread, senderId);
  if (recipientStatus !== 'active') throw recipientArchived(recipientId);
  return { id, threadId: thread.id, seq: thread.lastSeq + 1, senderId, body, createdAt: now };
}

/** When the next digest of the thread falls due: the earliest waiting side's oldest unnotified message, plus the delay. */
export function digestDueOf(sides: readonly ThreadSide[], delayMs: number): Date | null {
  const waiting = sides.flatMap((s) => (s.pendingSince ? [s.pendingSince.getTime()] : []));
  return waiting.length > 0 ? new Date(Math.min(...waiting) + delayMs) : null;
}

/**
 * The thread once `message` is in it: the newest message, the sender having
 * read everything up to their own message, the recipient waiting for a
 * digest. Null when the thread already counts it (a retry or a concurrent
 * repair applied it first), so applying is idempotent.
 */
export function applyMessage(thread: ThreadRecord, message: MessageRecord, delayMs: number): ThreadRecord | null {
  if (thread.lastSeq >= message.seq) return null;
  const last: LastMessageRecord = {
    id: message.id,
    seq: message.seq,
    senderId: message.senderId,
    preview: previewOf(message.body),
    createdAt: message.createdAt,
  };
  const sides = thread.sides.map((side): ThreadSide => {
    if (side.userId === message.senderId) {
      return side.readSeq >= message.seq
        ? side
        : { ...side, readSeq: message.seq, readUpTo: message.id, readAt: message.createdAt, pendingSince: null };
    }
    return side.pendingSince ? side : { ...side, pendingSince: message.createdAt };
  }) as [ThreadSide, ThreadSide];
  return {
    ...thread,
    sides,
    lastSeq: message.seq,
    lastMessage: last,
    lastActivityAt: message.createdAt > thread.lastActivityAt ? message.createdAt : thread.lastActivityAt,
    digestDueAt: digestDueOf(sides, delayMs),
    updatedAt: message.createdAt,
    version: thread.version + 1,
  };
}

/**
 * The thread once `readerId` has read up to `upTo` (a message of the thread;
 * its newest by default). A marker never moves backwards: reading up to a
 * message at or before the current marker changes nothing (null).
 */
export function decideRead(input: {
  thread: ThreadRecord;
  readerId: string;
  upTo: Pick<MessageRecord, 'id' | 'seq' | 'createdAt'> | null;
  now: Date;
  delayMs: number;
}): ThreadRecord | null {
  const { thread, readerId, upTo, now, delayMs } = input;
  const side = sideOf(thread, readerId);
  if (!upTo || upTo.seq <= side.readSeq) return null;
  const everything = upTo.seq >= thread.lastSeq;
  const pendingSince =
    everything || !side.pendingSince ? null : side.pendingSince > upTo.createdAt ? side.pendingSince : upTo.createdAt;
  const sides = thread.sides.map((s) =>
    s.userId === readerId ? { ...s, readSeq: upTo.seq, readUpTo: upTo.id, readAt: now, pendingSince } : s,
  ) as [ThreadSide, ThreadSide];
  return { ...thread, sides, digestDueAt: digestDueOf(sides, delayMs), updatedAt: now, version: thread.version + 1 };
}

/** One side's share of a digest: how many messages from whom wait unread and untold. */
export interface UnreadDigest {
  recipientId: string;
  senderId: string;
  threadId: string;
  count: number;
}

/**
 * The sides of a thread whose oldest unread, untold message has waited the
 * delay: what to tell them, and the thread with them marked told (so no
 * other run tells them again). Null when nothing is due.
 */
export function decideDigest(
  thread: ThreadRecord,
  now: Date,
  delayMs: number,
): { thread: ThreadRecord; digests: UnreadDigest[] } | null {
  const digests: UnreadDigest[] = [];
  const sides = thread.sides.map((side): ThreadSide => {
    const due = side.pendingSince && side.pendingSince.getTime() + delayMs <= now.getTime();
    if (!due) return side;
    const count = thread.lastSeq - Math.max(side.readSeq, side.notifiedSeq);
    if (count > 0) {
      digests.push({
        recipientId: side.userId,
        senderId: otherParticipant(thread, side.userId),
        threadId: thread.id,
        count,
      });
    }
    return { ...side, notifiedSeq: thread.lastSeq, pendingSince: null };
  }) as [ThreadSide, ThreadSide];
  if (sides.every((s, i) => s === thread.sides[i])) return null;
  return {
    thread: { ...thread, sides, digestDueAt: digestDueOf(sides, delayMs), updatedAt: now, version: thread.version + 1 },
    digests,
  };
}

/**
 * One notification per recipient for all their digests of a run ("5 new
 * messages from Ana Silva and 1 other"), however many messages and threads.
 */
export function digestNotifications(
  digests: readonly UnreadDigest[],
  nameOf: (userId: string) => string,
): NewNotification[] {
  const byRecipient = new Map<string, UnreadDigest[]>();
  for (const d of digests) byRecipient.set(d.recipientId, [...(byRecipient.get(d.recipientId) ?? []), d]);
  return [...byRecipient].map(([userId, list]) => {
    const count = list.reduce((sum, d) => sum + d.count, 0);
    const senders = [...new Set(list.map((d) => d.senderId))];
    const first = nameOf(senders[0] as string);
    const from =
      senders.length === 1 ? first : `${first} and ${senders.length - 1} other${senders.length > 2 ? 's' : ''}`;
    const single = list.length === 1 ? (list[0] as UnreadDigest) : null;
    return {
      userId,
      type: 'message.unread' as const,
      title: `${count} new message${count === 1 ? '' : 's'} from ${from}`,
      body: single
        ? `${first} wrote to you while you were away.`
        : `${senders.length} people wrote to you while you were away.`,
      link: single ? `/messages/${single.threadId}` : '/messages',
      actorId: senders.length === 1 ? (senders[0] as string) : null,
      data: { count, threads: list.length, threadId: single?.threadId ?? null },
    };
  });
}
