import type { Channels, CursorPage, NewNotification, NotificationType } from '@seed-pms/domain';
import type { Collection, Filter, WithId } from 'mongodb';
import { idOrNull, newId, objectIdOf, oid } from '../ids.js';
import { findKeysetPage, findMadeAfter } from '../pagination.js';
import { deletionTarget, exceptUsers, type RetentionTarget } from '../privacy/retention-batches.js';
import type { NotificationDoc, NotificationPreferencesDoc } from './notification.doc.js';

export interface NotificationRecord extends Omit<NewNotification, 'actorId'> {
  id: string;
  actorId: string | null;
  readAt: Date | null;
  createdAt: Date;
}

type ChannelChoices = Partial<Record<NotificationType, Channels>>;

const choicesOf = (doc: NotificationPreferencesDoc | null): ChannelChoices =>
  Object.fromEntries((doc?.channels ?? []).map((c) => [c.type, { inApp: c.inApp, email: c.email }]));

function toRecord(doc: WithId<NotificationDoc>): NotificationRecord {
  return {
    id: doc._id.toHexString(),
    userId: doc.userId.toHexString(),
    type: doc.type,
    title: doc.title,
    body: doc.body,
    link: doc.link,
    actorId: idOrNull(doc.actorId),
    data: doc.data,
    readAt: doc.readAt,
    createdAt: doc.createdAt,
  };
}

export interface NotificationRepository {
  /** Stores them (in this order, so ids and times sort as they were made). */
  insertMany(list: readonly NewNotification[], now: Date): Promise<NotificationRecord[]>;
  /** A person's notifications, newest first. */
  list(
    userId: string,
    query: { unread?: boolean | undefined; cursor?: string | undefined; limit: number },
  ): Promise<CursorPage<NotificationRecord>>;
  unreadCount(userId: string): Promise<number>;
  /** A person's notifications made after the one with this id, oldest first (a feed resuming). */
  after(userId: string, lastId: string, limit: number): Promise<NotificationRecord[]>;
  /** Marks one read (once; the first time stays); null when it is not the person's. */
  markRead(userId: string, id: string, now: Date): Promise<NotificationRecord | null>;
  markAllRead(userId: string, now: Date): Promise<number>;
  /** Deletes notifications made before `before`; returns how many. */
  /** Deletes notifications made before `before`, but those of `exceptUserIds` (legal holds). */
  purgeBefore(before: Date, exceptUserIds?: readonly string[]): Promise<number>;
  /** Retention: notifications read before `cutoff`, but those of `exceptUserIds` (legal holds). */
  retentionOfRead(cutoff: Date, exceptUserIds: readonly string[]): RetentionTarget;
  preferences(userId: string): Promise<Partial<Record<NotificationType, Channels>>>;
  /** Channel choices of many people at once (one read). */
  preferencesOf(userIds: readonly string[]): Promise<Map<string, Partial<Record<NotificationType, Channels>>>>;
  savePreferences(userId: string, channels: Partial<Record<NotificationType, Channels>>, now: Date): Promise<void>;
}

export function createNotificationRepository(
  notifications: Collection<NotificationDoc>,
  preferences: Collection<NotificationPreferencesDoc>,
): NotificationRepository {
  return {
    async insertMany(list, now) {
      if (list.length === 0) return [];
      const docs: NotificationDoc[] = list.map((n) => ({
        _id: newId(),
        userId: oid(n.userId),
        type: n.type,
        title: n.title,
        body: n.body,
        link: n.link,
        actorId: n.actorId === null ? null : oid(n.actorId),
        data: n.data,
        readAt: null,
        createdAt: now,
      }));
      await notifications.insertMany(docs);
      return docs.map(toRecord);
    },
    async list(userId, query) {
      const filter: Filter<NotificationDoc> = { userId: oid(userId), ...(query.unread ? { readAt: null } : {}) };
      return findKeysetPage(
        notifications,
        filter,
        { field: 'createdAt', direction: 'desc', limit: query.limit, cursor: query.cursor },
        toRecord,
      );
    },
    unreadCount: (userId) => notifications.countDocuments({ userId: oid(userId), readAt: null }),
    async after(userId, lastId, limit) {
      return (await findMadeAfter(notifications, { userId: oid(userId) }, lastId, limit)).map(toRecord);
    },
    async markRead(userId, id, now) {
      const _id = objectIdOf(id);
      if (!_id) return null;
      const user = oid(userId);
      await notifications.updateOne({ _id, userId: user, readAt: null }, { $set: { readAt: now } });
      const doc = await notifications.findOne({ _id, userId: user });
      return doc ? toRecord(doc) : null;
    },
    async markAllRead(userId, now) {
      const result = await notifications.updateMany({ userId: oid(userId), readAt: null }, { $set: { readAt: now } });
      return result.modifiedCount;
    },
    async purgeBefore(before, exceptUserIds = []) {
      return (await notifications.deleteMany({ createdAt: { $lt: before }, ...exceptUsers(exceptUserIds) }))
        .deletedCount;
    },
    retentionOfRead(cutoff, exceptUserIds) {
      return deletionTarget(notifications, {
        readAt: { $lt: cutoff },
        ...exceptUsers(exceptUserIds),
      });
    },
    async preferences(userId) {
      return choicesOf(await preferences.findOne({ _id: oid(userId) }));
    },
    async preferencesOf(userIds) {
      const ids = [...new Set(userIds)].map(objectIdOf).filter((id) => id !== null);
      const docs = ids.length > 0 ? await preferences.find({ _id: { $in: ids } }).toArray() : [];
      return new Map(docs.map((doc) => [doc._id.toHexString(), choicesOf(doc)]));
    },
    async savePreferences(userId, channels, now) {
      const list = (Object.entries(channels) as [NotificationType, Channels][]).map(([type, c]) => ({
        type,
        inApp: c.inApp,
        email: c.email,
      }));
      await preferences.updateOne({ _id: oid(userId) }, { $set: { channels: list, updatedAt: now } }, { upsert: true });
    },
  };
}
