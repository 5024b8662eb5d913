import { newIdString, type PersonCard } from '@seed-pms/db';
import {
  type Actor,
  applyMessage,
  assertParticipant,
  type CreateThreadInput,
  type CursorPage,
  DomainError,
  decideDigest,
  decideNewThread,
  decideRead,
  decideSend,
  type ListThreadsQuery,
  type MarkThreadReadInput,
  MESSAGE_DIGEST_DELAY_MS,
  type MessageRecord,
  type MessageThreadPageView,
  type MessageThreadView,
  type MessageView,
  type MessagingEvent,
  otherParticipant,
  type ProfileImageView,
  pairKeyOf,
  type SendMessageInput,
  sideOf,
  type ThreadDetailView,
  type ThreadMessagesQuery,
  type ThreadRecord,
  type UnreadDigest,
  unreadOf,
  validationFailed,
} from '@seed-pms/domain';
import { assertCanSee } from '../access/ability.js';
import type { ActorContext } from '../app/call-context.js';
import type { ServiceDeps } from '../app/deps.js';
import type { EventBus } from '../events/event-bus.js';
import { feedStream, type LiveFeed } from '../events/live-feed.js';
import type { FilesService } from '../files/files.service.js';
import { IDEMPOTENCY_HEADER } from '../idempotency/idempotency.service.js';
import { createImageVisibility } from '../privacy/consents.visibility.js';

/** Where instances tell each other about new messages and read receipts. */
export const MESSAGING_CHANNEL = 'seed-pms:messages';
/** How many missed events a resuming feed replays at most. */
const REPLAY_LIMIT = 500;
/** Feed events are kept this long for feeds that resume. */
export const MESSAGE_EVENTS_KEEP_DAYS = 7;
/** Conditional writes a use case retries before answering RESOURCE_BUSY. */
const ATTEMPTS = 25;
const IMAGE_URL_TTL_SECONDS = 15 * 60;

/** One event of a person's feed, with the id a reconnect resumes after. */
export interface MessagingFeedItem {
  id: string;
  event: MessagingEvent;
}

export interface MessagingService {
  /** The caller's thread with `participantId` (made if there is none), after sending `message` in it if given. */
  createThread(ctx: ActorContext, input: CreateThreadInput): Promise<MessageThreadView>;
  threads(ctx: ActorContext, query: ListThreadsQuery): Promise<MessageThreadPageView>;
  thread(ctx: ActorContext, query: ThreadMessagesQuery): Promise<ThreadDetailView>;
  send(ctx: ActorContext, input: SendMessageInput): Promise<MessageView>;
  markRead(ctx: ActorContext, input: MarkThreadReadInput): Promise<MessageThreadView>;
  /** The caller's new messages and read receipts as they come, after those since `lastEventId`; ends when `signal` aborts. */
  stream(
    ctx: ActorContext,
    lastEventId: string | null | undefined,
    signal?: AbortSignal,
  ): AsyncIterable<MessagingFeedItem>;
}

/** What the jobs call. */
export interface MessagingInternals extends MessagingService {
  /** Tells recipients of messages unread past the delay, once each (one notification per recipient). */
  sendDigests(now: Date): Promise<{ threads: number; recipients: number }>;
  /** Drops feed events older than MESSAGE_EVENTS_KEEP_DAYS. */
  purgeEvents(now: Date): Promise<number>;
}

const busy = () =>
  new DomainError('RESOURCE_BUSY', 'Too many simultaneous changes of this thread; try again', {
    retryAfterSeconds: 1,
  });

export function createMessagingService(
  deps: Pick<ServiceDeps, 'repos' | 'logger'>,
  services: { files: FilesService; events: EventBus; feed: LiveFeed<MessagingFeedItem> },
): MessagingInternals {
  const { messaging: repo, users, employees } = deps.repos;
  const { files, events, feed } = services;
  const imageVisibility = createImageVisibility(deps.repos);
  const delayMs = MESSAGE_DIGEST_DELAY_MS;

  const messageView = (m: MessageRecord): MessageView => ({
    id: m.id,
    threadId: m.threadId,
    senderId: m.senderId,
    body: m.body,
    createdAt: m.createdAt.toISOString(),
  });

  /** The other people of these threads, with their image links, each read once. */
  async function people(threads: readonly ThreadRecord[], actor: Actor) {
    const others = [...new Set(threads.map((t) => otherParticipant(t, actor.id)))];
    const [cards, visible] = await Promise.all([employees.cards(others), imageVisibility.visibleAmong(actor, others)]);
    // A colleague's image only with their consent (profile.image), as in the directory.
    for (const [id, card] of cards) if (card.image && !visible.has(id)) cards.set(id, { ...card, image: null });
    const imageIds = [...cards.values()].flatMap((c) => (c.image ? [c.image.fileId, c.image.thumbnailFileId] : []));
    const links = await files.links(imageIds, IMAGE_URL_TTL_SECONDS);
    const imageOf = (card: PersonCard | undefined): ProfileImageView | null => {
      if (!card?.image) return null;
      const full = links.get(card.image.fileId);
      const thumb = links.get(card.image.thumbnailFileId);
      if (!full || !thumb) return null;
      return { fileId: card.image.fileId, url: full.url, thumbnailUrl: thumb.url, expiresAt: full.expiresAt };
    };
    return { cards, imageOf };
  }

  async function threadViews(threads: readonly ThreadRecord[], actor: Actor): Promise<MessageThreadView[]> {
    const actorId = actor.id;
    const { cards, imageOf } = await people(threads, actor);
    return threads.map((thread) => {
      const otherId = otherParticipant(thread, actorId);
      const card = cards.get(otherId);
      const mine = sideOf(thread, actorId);
      const theirs = sideOf(thread, otherId);
      const active = card?.status === 'active';
      return {
        id: thread.id,
        participant: { id: otherId, name: card?.name ?? 'Unknown person', image: imageOf(card), archived: !active },
        lastMessage: thread.lastMessage
          ? {
              id: thread.lastMessage.id,
              senderId: thread.lastMessage.senderId,
              preview: thread.lastMessage.preview,
              createdAt: thread.lastMessage.createdAt.toISOString(),
            }
          : null,
        lastActivityAt: thread.lastActivityAt.toISOString(),
        unread: unreadOf(thread, actorId),
        me: { readUpTo: mine.readUpTo, readAt: mine.readAt?.toISOString() ?? null },
        them: { readUpTo: theirs.readUpTo, readAt: theirs.readAt?.toISOString() ?? null },
        canSend: active,
        createdAt: thread.createdAt.toISOString(),
      };
    });
  }

  const threadView = async (thread: ThreadRecord, actor: Actor) =>
    (await threadViews([thread], actor))[0] as MessageThreadView;

  /** A thread of the caller's: 404 for anyone else, admins included (the ability and the decider agree). */
  async function load(ctx: ActorContext, id: string): Promise<ThreadRecord> {
    const thread = assertParticipant(await repo.getThread(id), ctx.actor.id, id);
    assertCanSee(ctx.actor, 'MessageThread', { participantIds: thread.participantIds }, 'MessageThread', id);
    return thread;
  }

  /** Logs the event for both participants and hands it to their feeds (best effort: a failure is logged). */
  async function announce(thread: ThreadRecord, event: MessagingEvent, now: Date): Promise<void> {
    try {
      const stored = await repo.appendEvents(
        thread.participantIds.map((userId) => ({ userId, event })),
        now,
      );
      await Promise.all(stored.map((e) => feed.publish(e.userId, { id: e.id, event: e.event })));
    } catch (error) {
      deps.logger.error({ err: error, threadId: thread.id }, 'a messaging event could not be delivered');
    }
  }

  /** Makes the thread count `message` (idempotent: a retry or another sender may have applied it already). */
  async function settle(message: MessageRecord): Promise<void> {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const thread = await repo.getThread(message.threadId);
      if (!thread) return;
      const next = applyMessage(thread, message, delayMs);
      if (!next || (await repo.writeThread(next, thread.version))) return;
    }
    throw busy();
  }

  /**
   * Sends in a thread: the message takes the number after the thread's
   * newest (a unique index refuses a number taken by a concurrent send,
   * which is applied to the thread before numbering again), then the thread
   * counts it. The Idempotency-Key travels with the message, so even a retry
   * after a crash between the two finds the first message.
   */
  async function sendIn(ctx: ActorContext, threadId: string, body: string): Promise<MessageRecord> {
    const id = newIdString();
    const key = ctx.req.header(IDEMPOTENCY_HEADER);
    const dedupeKey = key ? `key:${key}` : `id:${id}`;
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const thread = await load(ctx, threadId);
      const recipient = await users.get(otherParticipant(thread, ctx.actor.id));
      const message = decideSend({
        thread,
        senderId: ctx.actor.id,
        recipientStatus: recipient?.status ?? null,
        id,
        body,
        now: ctx.now,
      });
      const outcome = await repo.insertMessage(message, dedupeKey);
      if (outcome.kind === 'duplicate') {
        if (outcome.message.threadId !== threadId || outcome.message.body !== body) {
          throw new DomainError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used for another message', {
            header: 'Idempotency-Key',
          });
        }
        await settle(outcome.message);
        return outcome.message;
      }
      if (outcome.kind === 'seq-taken') {
        const first = await repo.messageBySeq(threadId, message.seq);
        if (first) await settle(first);
        continue;
      }
      await settle(message);
      await announce(thread, { type: 'message', threadId, message: messageView(message) }, ctx.now);
      return message;
    }
    throw busy();
  }

  return {
    async createThread(ctx, input) {
      const actorId = ctx.actor.id;
      const participant = await users.get(input.participantId);
      // The rules (not oneself, someone who exists and is active) hold for an existing thread too.
      const fresh = decideNewThread({
        actorId,
        participantId: input.participantId,
        participant,
        id: newIdString(),
        now: ctx.now,
      });
      const pairKey = pairKeyOf(actorId, input.participantId);
      let thread = await repo.threadByPair(pairKey);
      if (!thread) {
        // Of simultaneous creates for one pair, the unique pairKey lets one insert; the others read it.
        thread = (await repo.insertThread(fresh)) ? fresh : await repo.threadByPair(pairKey);
        if (!thread) throw busy();
      }
      if (input.message !== undefined) {
        await sendIn(ctx, thread.id, input.message);
        thread = await load(ctx, thread.id);
      }
      return threadView(thread, ctx.actor);
    },

    async threads(ctx, query) {
      const page = await repo.listThreads(ctx.actor.id, query);
      const result: CursorPage<MessageThreadView> = {
        items: await threadViews(page.items, ctx.actor),
        nextCursor: page.nextCursor,
      };
      return result;
    },

    async thread(ctx, query) {
      const thread = await load(ctx, query.id);
      let beforeSeq: number | undefined;
      if (query.before) {
        const anchor = await repo.getMessage(query.before);
        if (anchor?.threadId !== thread.id) {
          throw validationFailed('`before` names no message of this thread', [
            { path: 'before', message: 'names no message of this thread', code: 'invalid_cursor' },
          ]);
        }
        beforeSeq = anchor.seq;
      }
      const found = await repo.messages(thread.id, { beforeSeq, limit: query.limit });
      const items = found.slice(0, query.limit);
      const more = found.length > query.limit;
      return {
        thread: await threadView(thread, ctx.actor),
        messages: { items: items.map(messageView), nextCursor: more ? (items.at(-1)?.id ?? null) : null },
      };
    },

    async send(ctx, input) {
      return messageView(await sendIn(ctx, input.id, input.body));
    },

    async markRead(ctx, input) {
      const readerId = ctx.actor.id;
      for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
        const thread = await load(ctx, input.id);
        let upTo: Pick<MessageRecord, 'id' | 'seq' | 'createdAt'> | null = thread.lastMessage;
        if (input.upTo) {
          const named = await repo.getMessage(input.upTo);
          if (named?.threadId !== thread.id) {
            throw validationFailed('`upTo` names no message of this thread', [
              { path: 'upTo', message: 'names no message of this thread', code: 'not_in_thread' },
            ]);
          }
          upTo = named;
        }
        const next = decideRead({ thread, readerId, upTo, now: ctx.now, delayMs });
        // At or behind the marker already: nothing moves (never backwards).
        if (!next) return threadView(thread, ctx.actor);
        if (!(await repo.writeThread(next, thread.version))) continue;
        const side = sideOf(next, readerId);
        await announce(
          next,
          {
            type: 'read',
            threadId: next.id,
            userId: readerId,
            readUpTo: side.readUpTo as string,
            readAt: (side.readAt as Date).toISOString(),
          },
          ctx.now,
        );
        return threadView(next, ctx.actor);
      }
      throw busy();
    },

    stream(ctx, lastEventId, signal) {
      return feedStream({
        feed,
        userId: ctx.actor.id,
        lastEventId,
        replay: async (after) =>
          (await repo.eventsAfter(ctx.actor.id, after, REPLAY_LIMIT)).map((e) => ({ id: e.id, event: e.event })),
        idOf: (item) => item.id,
        signal,
      });
    },

    async sendDigests(now) {
      const digests: UnreadDigest[] = [];
      let threads = 0;
      for (const thread of await repo.digestsDue(now, 500)) {
        const decision = decideDigest(thread, now, delayMs);
        // A thread that changed meanwhile is looked at again by the next run.
        if (!decision || !(await repo.writeThread(decision.thread, thread.version))) continue;
        threads += 1;
        digests.push(...decision.digests);
      }
      // Marked told first, then told: a crash in between loses a digest rather than sending it twice.
      if (digests.length > 0) await events.publish('messages.unread', { digests, at: now });
      return { threads, recipients: new Set(digests.map((d) => d.recipientId)).size };
    },

    purgeEvents: (now) => repo.purgeEventsBefore(new Date(now.getTime() - MESSAGE_EVENTS_KEEP_DAYS * 86_400_000)),
  };
}
