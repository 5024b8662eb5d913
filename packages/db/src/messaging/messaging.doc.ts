import type { MessagingEvent } from '@seed-pms/domain';
import type { ObjectId } from 'mongodb';
import { defineCollection } from '../collections.js';

/** One participant's side of a thread (an array of these: no array sits inside it). */
export interface ThreadSideDoc {
  userId: ObjectId;
  readSeq: number;
  readUpTo: ObjectId | null;
  readAt: Date | null;
  notifiedSeq: number;
  pendingSince: Date | null;
}

/** A 1:1 thread (spec: message_threads); `pairKey` keeps one per pair of people. */
export interface MessageThreadDoc {
  _id: ObjectId;
  pairKey: string;
  participantIds: ObjectId[];
  sides: ThreadSideDoc[];
  lastSeq: number;
  lastMessage: { id: ObjectId; seq: number; senderId: ObjectId; preview: string; createdAt: Date } | null;
  lastActivityAt: Date;
  digestDueAt: Date | null;
  createdBy: ObjectId;
  createdAt: Date;
  updatedAt: Date;
  version: number;
}

export const messageThreadsCollection = defineCollection<MessageThreadDoc>('message_threads', [
  { name: 'pair', key: { pairKey: 1 }, unique: true },
  { name: 'participant_activity', key: { participantIds: 1, lastActivityAt: -1, _id: -1 } },
  { name: 'digest_due', key: { digestDueAt: 1 } },
]);

/**
 * One message. `seq` numbers a thread's messages (unique with the thread: two
 * sends racing for the same number cannot both land); `dedupeKey` is the
 * sender's Idempotency-Key, or the message's own id without one.
 */
export interface MessageDoc {
  _id: ObjectId;
  threadId: ObjectId;
  seq: number;
  senderId: ObjectId;
  body: string;
  dedupeKey: string;
  createdAt: Date;
}

export const messagesCollection = defineCollection<MessageDoc>('messages', [
  { name: 'thread_seq', key: { threadId: 1, seq: 1 }, unique: true },
  { name: 'sender_key', key: { senderId: 1, dedupeKey: 1 }, unique: true },
  // The retention policy's cutoff.
  { name: 'created', key: { createdAt: 1 } },
]);

/** What each person's live feed carried, kept a week so a feed that reconnects gets what it missed. */
export interface MessageEventDoc {
  _id: ObjectId;
  userId: ObjectId;
  event: MessagingEvent;
  createdAt: Date;
}

export const messageEventsCollection = defineCollection<MessageEventDoc>('message_events', [
  { name: 'user_created', key: { userId: 1, createdAt: 1, _id: 1 } },
  { name: 'created', key: { createdAt: 1 } },
]);
