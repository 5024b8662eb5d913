import { z } from 'zod';
import {
  CursorQuery,
  cursorPageOf,
  DEFAULT_PAGE_LIMIT,
  Id,
  Instant,
  MAX_PAGE_LIMIT,
  QueryInt,
} from '../common/common.schemas.js';
import { ProfileImageView } from '../employees/employee.schemas.js';

/** The longest message, in characters (Unicode code points). */
export const MAX_MESSAGE_CHARACTERS = 4_000;
/** The longest preview of a thread's last message. */
export const MESSAGE_PREVIEW_CHARACTERS = 140;

/**
 * A message's text: 1 to 4,000 characters with something besides white
 * space, stored and returned exactly as sent (line breaks, emoji and markup
 * included); render it as text, never as HTML.
 */
export const MessageBody = z
  .string()
  .min(1, { error: 'must not be empty', abort: true })
  .refine((body) => [...body].length <= MAX_MESSAGE_CHARACTERS, {
    error: `must be at most ${MAX_MESSAGE_CHARACTERS} characters`,
  })
  .refine((body) => /\S/u.test(body), { error: 'must hold more than white space' })
  .meta({ description: 'The text, 1 to 4,000 characters, stored exactly as sent; show it as text.' });

export const CreateThreadInput = z.strictObject({
  participantId: Id.meta({ description: 'The other person (a user id); not yourself.' }),
  message: MessageBody.optional().meta({ description: 'A first message to send in the thread (new or existing).' }),
});
export type CreateThreadInput = z.infer<typeof CreateThreadInput>;

export const ThreadParams = z.object({ id: Id });
export type ThreadParams = z.infer<typeof ThreadParams>;

export const ListThreadsQuery = CursorQuery;
export type ListThreadsQuery = z.infer<typeof ListThreadsQuery>;

export const ThreadMessagesQuery = z.object({
  id: Id,
  before: Id.optional().meta({
    description: 'Messages older than this message (its id; the previous page’s nextCursor). Newest first.',
  }),
  limit: QueryInt(1, MAX_PAGE_LIMIT).default(DEFAULT_PAGE_LIMIT),
});
export type ThreadMessagesQuery = z.infer<typeof ThreadMessagesQuery>;

export const SendMessageInput = z.strictObject({
  id: Id,
  body: MessageBody,
});
export type SendMessageInput = z.infer<typeof SendMessageInput>;

export const MarkThreadReadInput = z.strictObject({
  id: Id,
  upTo: Id.optional().meta({ description: 'The newest message you have seen (default: the thread’s newest).' }),
});
export type MarkThreadReadInput = z.infer<typeof MarkThreadReadInput>;

export const MessageView = z
  .object({
    id: Id,
    threadId: Id,
    senderId: Id,
    body: z.string().meta({ description: 'Exactly as sent: render as text.' }),
    createdAt: Instant,
  })
  .meta({ id: 'Message' });
export type MessageView = z.infer<typeof MessageView>;

export const ThreadPersonView = z
  .object({
    id: Id,
    name: z.string(),
    image: ProfileImageView.nullable().meta({ description: 'Their profile image (signed links), if any.' }),
    archived: z.boolean().meta({ description: 'The account is archived: the thread is read-only.' }),
  })
  .meta({ id: 'ThreadPerson' });
export type ThreadPersonView = z.infer<typeof ThreadPersonView>;

export const ReadStateView = z
  .object({
    readUpTo: Id.nullable().meta({ description: 'The newest message this side has read (null: none yet).' }),
    readAt: Instant.nullable().meta({ description: 'When this side last moved its read marker.' }),
  })
  .meta({ id: 'ThreadReadState' });
export type ReadStateView = z.infer<typeof ReadStateView>;

export const LastMessageView = z
  .object({
    id: Id,
    senderId: Id,
    preview: z.string().meta({ description: 'The first characters of the message, on one line.' }),
    createdAt: Instant,
  })
  .meta({ id: 'LastMessage' });

export const MessageThreadView = z
  .object({
    id: Id,
    participant: ThreadPersonView.meta({ description: 'The other person of the thread.' }),
    lastMessage: LastMessageView.nullable(),
    lastActivityAt: Instant.meta({ description: 'The last message’s time (the thread’s creation without one).' }),
    unread: z.number().int().min(0).meta({ description: 'Messages from the other person you have not read.' }),
    me: ReadStateView.meta({ description: 'Your read marker.' }),
    them: ReadStateView.meta({ description: 'The other person’s read marker (the read receipt).' }),
    canSend: z.boolean().meta({ description: 'False when the other person is archived.' }),
    createdAt: Instant,
  })
  .meta({ id: 'MessageThread' });
export type MessageThreadView = z.infer<typeof MessageThreadView>;

export const MessageThreadPageView = cursorPageOf(MessageThreadView);
export type MessageThreadPageView = z.infer<typeof MessageThreadPageView>;

export const MessagePageView = cursorPageOf(MessageView);
export type MessagePageView = z.infer<typeof MessagePageView>;

export const ThreadDetailView = z
  .object({
    thread: MessageThreadView,
    messages: MessagePageView.meta({ description: 'Newest first; pass nextCursor as `before` for older ones.' }),
  })
  .meta({ id: 'MessageThreadDetail' });
export type ThreadDetailView = z.infer<typeof ThreadDetailView>;

/** What the live feed carries: a new message, or someone's read marker moving (both go to both participants). */
export const MessagingEvent = z
  .discriminatedUnion('type', [
    z.object({ type: z.literal('message'), threadId: Id, message: MessageView }),
    z.object({
      type: z.literal('read'),
      threadId: Id,
      userId: Id.meta({ description: 'Who read.' }),
      readUpTo: Id,
      readAt: Instant,
    }),
  ])
  .meta({ id: 'MessagingEvent' });
export type MessagingEvent = z.infer<typeof MessagingEvent>;

export const OnMessagingEventInput = z
  .object({
    lastEventId: z
      .string()
      .max(64)
      .nullish()
      .meta({ description: 'Resume after this event id (the client sends it on reconnect).' }),
  })
  .optional();
