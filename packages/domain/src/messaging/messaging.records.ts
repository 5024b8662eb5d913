/** The state the messaging rules read: plain data with string ids. */

/** One participant's side of a thread. Messages are numbered 1, 2, … within their thread (`seq`). */
export interface ThreadSide {
  userId: string;
  /** The newest message this side has read (0: none); only ever grows. */
  readSeq: number;
  readUpTo: string | null;
  readAt: Date | null;
  /** The newest message an unread digest told this side about (0: none). */
  notifiedSeq: number;
  /** When the oldest message this side has neither read nor been told about arrived (null: none waiting). */
  pendingSince: Date | null;
}

export interface LastMessageRecord {
  id: string;
  seq: number;
  senderId: string;
  preview: string;
  createdAt: Date;
}

export interface ThreadRecord {
  id: string;
  /** `min:max` of the two user ids: one thread per pair. */
  pairKey: string;
  participantIds: [string, string];
  /** In the order of participantIds. */
  sides: [ThreadSide, ThreadSide];
  /** The newest message's number (0: no message yet). */
  lastSeq: number;
  lastMessage: LastMessageRecord | null;
  /** The last message's time, or the creation's. */
  lastActivityAt: Date;
  /** When an unread digest falls due for one of the sides (null: none waiting). */
  digestDueAt: Date | null;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
  version: number;
}

export interface MessageRecord {
  id: string;
  threadId: string;
  seq: number;
  senderId: string;
  body: string;
  createdAt: Date;
}
