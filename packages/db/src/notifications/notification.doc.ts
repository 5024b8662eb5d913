import type { NotificationType } from '@seed-pms/domain';
import type { ObjectId } from 'mongodb';
import { defineCollection } from '../collections.js';

/** One in-app notification of one person (spec: notifications). */
export interface NotificationDoc {
  _id: ObjectId;
  userId: ObjectId;
  type: NotificationType;
  title: string;
  body: string;
  link: string;
  actorId: ObjectId | null;
  data: Record<string, string | number | boolean | null>;
  readAt: Date | null;
  createdAt: Date;
}

export const notificationsCollection = defineCollection<NotificationDoc>('notifications', [
  { name: 'user_created', key: { userId: 1, createdAt: -1, _id: -1 } },
  { name: 'user_read', key: { userId: 1, readAt: 1 } },
  { name: 'created', key: { createdAt: 1 } },
]);

/**
 * A person's channel choices, one entry per type they changed (a list: type
 * names hold dots, which field names may not); `_id` is the user's.
 */
export interface NotificationPreferencesDoc {
  _id: ObjectId;
  channels: { type: NotificationType; inApp: boolean; email: boolean }[];
  updatedAt: Date;
}

export const notificationPreferencesCollection = defineCollection<NotificationPreferencesDoc>(
  'notification_preferences',
  [],
);
