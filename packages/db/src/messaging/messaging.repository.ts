import type { CursorPage, MessageRecord, MessagingEvent, ThreadRecord, ThreadSide } from '@seed-pms/domain';
import type { Collection, Filter, WithId } from 'mongodb';
import { insertUnlessPresent, isDuplicateKey } from '../errors.js';
import { idOrNull, newId, objectIdOf, objectIdsOf, oid } from '../ids.js';
import { findKeysetPage, findMadeAfter } from '../pagination.js';
import { RETENTION_BATCH_SIZE, type RetentionTarget } from '../privacy/retention-batches.js';
import type { MessageDoc, MessageEventDoc, MessageThreadDoc, ThreadSideDoc } from './messaging.doc.js';

const toSide = (doc: ThreadSideDoc): ThreadSide => ({
  userId: doc.userId.toHexString(),
  readSeq: doc.readSeq,
  readUpTo: idOrNull(doc.readUpTo),
  readAt: doc.readAt,
  notifiedSeq: doc.notifiedSeq,
  pendingSince: doc.pendingSince,
});

const toSideDoc = (side: ThreadSide): ThreadSideDoc => ({
  userId: oid(side.userId),
  readSeq: side.readSeq,
  readUpTo: side.readUpTo === null ? null : oid(side.readUpTo),
  readAt: side.readAt,
  notifiedSeq: side.notifiedSeq,
  pendingSince: side.pendingSince,
});

function toThread(doc: WithId<MessageThreadDoc>): ThreadRecord {
  return {
    id: doc._id.toHexString(),
    pairKey: doc.pairKey,
    participantIds: doc.participantIds.map((id) => id.toHexString()) as [string, string],
    sides: doc.sides.map(toSide) as [ThreadSide, ThreadSide],
    lastSeq: doc.lastSeq,
    lastMessage: doc.lastMessage
      ? {
          id: doc.lastMessage.id.toHexString(),
          seq: doc.lastMessage.seq,
          senderId: doc.lastMessage.senderId.toHexString(),
          preview: doc.lastMessage.preview,
          createdAt: doc.lastMessage.createdAt,
        }
      : null,
    lastActivityAt: doc.lastActivityAt,
    digestDueAt: doc.digestDueAt,
    createdBy: doc.createdBy.toHexString(),
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
    version: doc.version,
  };
}

/** The fields a thread's writes set (everything but `_id`, `pairKey`, participants and the creation). */
function mutableFields(thread: ThreadRecord) {
  return {
    sides: thread.sides.map(toSideDoc),
    lastSeq: thread.lastSeq,
    lastMessage: thread.lastMessage
      ? {
          id: oid(thread.lastMessage.id),
          seq: thread.lastMessage.seq,
          senderId: oid(thread.lastMessage.senderId),
          preview: thread.lastMessage.preview,
          createdAt: thread.lastMessage.createdAt,
        }
      : null,
    lastActivityAt: thread.lastActivityAt,
    digestDueAt: thread.digestDueAt,
    updatedAt: thread.updatedAt,
    version: thread.version,
  };
}

function toThreadDoc(thread: ThreadRecord): MessageThreadDoc {
  return {
    _id: oid(thread.id),
    pairKey: thread.pairKey,
    participantIds: thread.participantIds.map(oid),
    createdBy: oid(thread.createdBy),
    createdAt: thread.createdAt,
    ...mutableFields(thread),
  };
}

const toMessage = (doc: WithId<MessageDoc>): MessageRecord => ({
  id: doc._id.toHexString(),
  threadId: doc.threadId.toHexString(),
  seq: doc.seq,
  senderId: doc.senderId.toHexString(),
  body: doc.body,
  createdAt: doc.createdAt,
});

export type InsertMessageOutcome =
  | { kind: 'inserted' }
  /** Another message took this number first: apply it to the thread, then number again. */
  | { kind: 'seq-taken' }
  /** The sender sent with this dedupe key before: that message. */
  | { kind: 'duplicate'; message: MessageRecord };

export interface StoredMessagingEvent {
  id: string;
  userId: string;
  event: MessagingEvent;
}

/**
 * Threads, messages and the feed's log. Every thread write is one write by
 * `_id` conditional on the version read; uniqueness (one thread per pair,
 * one message per number, one per dedupe key) rests on unique indexes.
 */
export interface MessagingRepository {
  getThread(id: string): Promise<ThreadRecord | null>;
  threadByPair(pairKey: string): Promise<ThreadRecord | null>;
  /** Inserts a new thread; false when the pair has one already (someone else's create won). */
  insertThread(thread: ThreadRecord): Promise<boolean>;
  /** Writes `next` over the thread at `expectedVersion` only; false when it changed meanwhile. */
  writeThread(next: ThreadRecord, expectedVersion: number): Promise<boolean>;
  /** A person's threads by last activity, newest first (keyset pages). */
  listThreads(userId: string, query: { cursor?: string | undefined; limit: number }): Promise<CursorPage<ThreadRecord>>;
  /** Threads whose digest is due at `now`, oldest due first. */
  digestsDue(now: Date, limit: number): Promise<ThreadRecord[]>;

  insertMessage(message: MessageRecord, dedupeKey: string): Promise<InsertMessageOutcome>;
  getMessage(id: string): Promise<MessageRecord | null>;
  messageBySeq(threadId: string, seq: number): Promise<MessageRecord | null>;
  /** A thread's messages numbered below `beforeSeq` (all without it), newest first; `limit + 1` read to tell if more are left. */
  messages(threadId: string, query: { beforeSeq?: number | undefined; limit: number }): Promise<MessageRecord[]>;

  /** Logs feed events (each to one person), in order; returns them with their ids. */
  appendEvents(list: readonly { userId: string; event: MessagingEvent }[], now: Date): Promise<StoredMessagingEvent[]>;
  /** A person's events after the one with this id, oldest first (a feed resuming); [] for an id not theirs. */
  eventsAfter(userId: string, lastId: string, limit: number): Promise<StoredMessagingEvent[]>;
  purgeEventsBefore(before: Date): Promise<number>;
  /**
   * Retention: messages sent before `cutoff`, but those of threads with one of
   * `exceptUserIds` (legal holds: sender or recipient). A step deletes a batch
   * and empties the preview of threads whose last message it deleted.
   */
  retentionOfMessages(cutoff: Date, exceptUserIds: readonly string[]): RetentionTarget;
}

export function createMessagingRepository(
  threads: Collection<MessageThreadDoc>,
  messages: Collection<MessageDoc>,
  events: Collection<MessageEventDoc>,
): MessagingRepository {
  const toEvent = (doc: WithId<MessageEventDoc>): StoredMessagingEvent => ({
    id: doc._id.toHexString(),
    userId: doc.userId.toHexString(),
    event: doc.event,
  });
  return {
    async getThread(id) {
      const _id = objectIdOf(id);
      const doc = _id ? await threads.findOne({ _id }) : null;
      return doc ? toThread(doc) : null;
    },
    async threadByPair(pairKey) {
      const doc = await threads.findOne({ pairKey });
      return doc ? toThread(doc) : null;
    },
    insertThread: (thread) => insertUnlessPresent(threads, toThreadDoc(thread)),
    async writeThread(next, expectedVersion) {
      const result = await threads.updateOne(
        { _id: oid(next.id), version: expectedVersion },
        { $set: mutableFields(next) },
      );
      return result.modifiedCount === 1;
    },
    listThreads: (userId, query) =>
      findKeysetPage(
        threads,
        { participantIds: oid(userId) },
        { field: 'lastActivityAt', direction: 'desc', limit: query.limit, cursor: query.cursor },
        toThread,
      ),
    async digestsDue(now, limit) {
      const docs = await threads
        .find({ digestDueAt: { $lte: now } })
        .sort({ digestDueAt: 1, _id: 1 })
        .limit(limit)
        .toArray();
      return docs.map(toThread);
    },

    async insertMessage(message, dedupeKey) {
      const doc: MessageDoc = {
        _id: oid(message.id),
        threadId: oid(message.threadId),
        seq: message.seq,
        senderId: oid(message.senderId),
        body: message.body,
        dedupeKey,
        createdAt: message.createdAt,
      };
      try {
        await messages.insertOne(doc);
        return { kind: 'inserted' };
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        const earlier = await messages.findOne({ senderId: doc.senderId, dedupeKey });
        return earlier ? { kind: 'duplicate', message: toMessage(earlier) } : { kind: 'seq-taken' };
      }
    },
    async getMessage(id) {
      const _id = objectIdOf(id);
      const doc = _id ? await messages.findOne({ _id }) : null;
      return doc ? toMessage(doc) : null;
    },
    async messageBySeq(threadId, seq) {
      const doc = await messages.findOne({ threadId: oid(threadId), seq });
      return doc ? toMessage(doc) : null;
    },
    async messages(threadId, query) {
      const docs = await messages
        .find({ threadId: oid(threadId), ...(query.beforeSeq === undefined ? {} : { seq: { $lt: query.beforeSeq } }) })
        .sort({ seq: -1 })
        .limit(query.limit + 1)
        .toArray();
      return docs.map(toMessage);
    },

    async appendEvents(list, now) {
      if (list.length === 0) return [];
      const docs: MessageEventDoc[] = list.map((e) => ({
        _id: newId(),
        userId: oid(e.userId),
        event: e.event,
        createdAt: now,
      }));
      await events.insertMany(docs);
      return docs.map(toEvent);
    },
    async eventsAfter(userId, lastId, limit) {
      return (await findMadeAfter(events, { userId: oid(userId) }, lastId, limit)).map(toEvent);
    },
    async purgeEventsBefore(before) {
      return (await events.deleteMany({ createdAt: { $lt: before } })).deletedCount;
    },
    retentionOfMessages(cutoff, exceptUserIds) {
      const held = objectIdsOf(exceptUserIds);
      const filter = async (): Promise<Filter<MessageDoc>> => {
        if (held.length === 0) return { createdAt: { $lt: cutoff } };
        const heldThreads = await threads.find({ participantIds: { $in: held } }, { projection: { _id: 1 } }).toArray();
        return {
          createdAt: { $lt: cutoff },
          senderId: { $nin: held },
          threadId: { $nin: heldThreads.map((t) => t._id) },
        };
      };
      return {
        count: async () => messages.countDocuments(await filter()),
        async step(limit = RETENTION_BATCH_SIZE) {
          const found = await messages.find(await filter(), { projection: { _id: 1, threadId: 1 }, limit }).toArray();
          if (found.length === 0) return 0;
          const ids = found.map((d) => d._id);
          const deleted = (await messages.deleteMany({ _id: { $in: ids } })).deletedCount;
          // A thread whose last message went keeps no preview of it (its version moves: racing writers reload).
          const threadIds = [...new Map(found.map((d) => [d.threadId.toHexString(), d.threadId])).values()];
          await threads.updateMany(
            { _id: { $in: threadIds }, 'lastMessage.id': { $in: ids } },
            { $set: { 'lastMessage.preview': '' }, $inc: { version: 1 } },
          );
          return deleted;
        },
      };
    },
  };
}
