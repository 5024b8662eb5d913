import {
  CreateThreadInput,
  ListThreadsQuery,
  MarkThreadReadInput,
  MessageThreadPageView,
  MessageThreadView,
  MessageView,
  OnMessagingEventInput,
  SendMessageInput,
  ThreadDetailView,
  ThreadMessagesQuery,
} from '@seed-pms/domain';
import { tracked } from '@trpc/server';
import { authedProcedure, idempotent, router } from '../trpc/trpc.js';

const tags = ['messages'];

export const messagesRouter = router({
  createThread: authedProcedure
    .meta({
      access: { action: 'create', subject: 'MessageThread' },
      errors: ['THREAD_WITH_SELF', 'RECIPIENT_ARCHIVED', 'RESOURCE_BUSY'],
      openapi: {
        method: 'POST',
        path: '/messages/threads',
        tags,
        summary:
          'Your thread with participantId: the existing one, or a new one (one per pair, whoever starts it); sends message in it if given. Always 200',
      },
    })
    .input(CreateThreadInput)
    .output(MessageThreadView)
    .mutation(idempotent(({ ctx, input }) => ctx.services.messages.createThread(ctx, input))),

  threads: authedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/messages/threads',
        tags,
        summary: 'Your threads by last activity, newest first, with the other person, last message and unread count',
      },
    })
    .input(ListThreadsQuery)
    .output(MessageThreadPageView)
    .query(({ ctx, input }) => ctx.services.messages.threads(ctx, input)),

  thread: authedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/messages/threads/{id}',
        tags,
        summary: 'A thread of yours (both read markers) and its messages, newest first (before=messageId for older)',
      },
    })
    .input(ThreadMessagesQuery)
    .output(ThreadDetailView)
    .query(({ ctx, input }) => ctx.services.messages.thread(ctx, input)),

  send: authedProcedure
    .meta({
      errors: ['RECIPIENT_ARCHIVED', 'RESOURCE_BUSY'],
      openapi: {
        method: 'POST',
        successStatus: 201,
        path: '/messages/threads/{id}/messages',
        tags,
        summary: 'Send a message (1–4,000 characters, stored as sent); an Idempotency-Key makes a retry safe',
      },
    })
    .input(SendMessageInput)
    .output(MessageView)
    .mutation(idempotent(({ ctx, input }) => ctx.services.messages.send(ctx, input))),

  markRead: authedProcedure
    .meta({
      errors: ['RESOURCE_BUSY'],
      openapi: {
        method: 'PATCH',
        path: '/messages/threads/{id}/read',
        tags,
        summary: 'Mark read up to upTo (default: the newest); the marker never moves back; the other side sees it',
      },
    })
    .input(MarkThreadReadInput)
    .output(MessageThreadView)
    .mutation(({ ctx, input }) => ctx.services.messages.markRead(ctx, input)),

  /**
   * New messages and read receipts of your threads as they happen, over SSE
   * (tRPC's httpSubscriptionLink). Each event's id is its log entry's: a
   * reconnect sends it back as `lastEventId` and first gets what it missed.
   */
  onEvent: authedProcedure.input(OnMessagingEventInput).subscription(async function* ({ ctx, input, signal }) {
    for await (const item of ctx.services.messages.stream(ctx, input?.lastEventId, signal)) {
      yield tracked(item.id, item.event);
    }
  }),
});
