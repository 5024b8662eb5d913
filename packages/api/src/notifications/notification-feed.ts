import type { NotificationView } from '@seed-pms/domain';
import type { FastifyBaseLogger } from 'fastify';
import type { Redis } from 'ioredis';
import { createLiveFeed } from '../events/live-feed.js';

/** Where instances tell each other about new notifications. */
export const NOTIFICATION_CHANNEL = 'seed-pms:notifications';

/**
 * New notifications as they are stored, for the real-time feed: a live feed
 * (events/live-feed.ts) on the notifications channel.
 */
export interface NotificationFeed {
  publish(notification: NotificationView & { userId: string }): Promise<void>;
  /** Calls `listener` with each new notification of this person until the returned function is called. */
  subscribe(userId: string, listener: (notification: NotificationView) => void): () => void;
  /** Subscribers connected to this instance. */
  size(): number;
  close(): Promise<void>;
}

export function createNotificationFeed(redis: Redis | null, logger: Pick<FastifyBaseLogger, 'warn'>): NotificationFeed {
  const feed = createLiveFeed<NotificationView>(NOTIFICATION_CHANNEL, redis, logger);
  return {
    publish: ({ userId, ...notification }) => feed.publish(userId, notification),
    subscribe: (userId, listener) => feed.subscribe(userId, listener),
    size: () => feed.size(),
    close: () => feed.close(),
  };
}
