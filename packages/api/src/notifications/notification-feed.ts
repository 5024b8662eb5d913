import { EventEmitter } from 'node:events';
import type { NotificationView } from '@seed-pms/domain';
import type { FastifyBaseLogger } from 'fastify';
import type { Redis } from 'ioredis';

/** Where instances tell each other about new notifications. */
export const NOTIFICATION_CHANNEL = 'seed-pms:notifications';

/**
 * New notifications as they are stored, for the real-time feed. With Redis,
 * every instance publishes to one channel and delivers what it hears to its
 * own subscribers, so a person connected to any instance gets what any
 * instance stored; without Redis (one instance) delivery stays in-process.
 * Delivery is best effort: a feed that resumes reads what it missed from the
 * collection (`lastEventId`).
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
  const local = new EventEmitter();
  local.setMaxListeners(0);
  let subscribers = 0;
  const deliver = (userId: string, view: NotificationView) => local.emit(userId, view);

  const subscriber = redis ? redis.duplicate() : null;
  let ready: Promise<unknown> = Promise.resolve();
  if (subscriber) {
    subscriber.on('message', (_channel: string, message: string) => {
      try {
        const { userId, notification } = JSON.parse(message) as { userId: string; notification: NotificationView };
        deliver(userId, notification);
      } catch (error) {
        logger.warn({ err: error }, 'an unreadable notification message was ignored');
      }
    });
    subscriber.on('error', (error: Error) => logger.warn({ err: error }, 'notification subscriber error'));
    ready = subscriber.subscribe(NOTIFICATION_CHANNEL).catch((error: unknown) => {
      logger.warn({ err: error }, 'cannot subscribe to notifications; feeds on this instance see only its own');
    });
  }

  return {
    async publish({ userId, ...notification }) {
      if (!redis || !subscriber) {
        deliver(userId, notification);
        return;
      }
      await ready;
      try {
        await redis.publish(NOTIFICATION_CHANNEL, JSON.stringify({ userId, notification }));
      } catch (error) {
        // Redis is down: this instance's own subscribers still get it; others catch up when they resume.
        logger.warn({ err: error }, 'cannot publish a notification; delivering on this instance only');
        deliver(userId, notification);
      }
    },
    subscribe(userId, listener) {
      local.on(userId, listener);
      subscribers += 1;
      let done = false;
      return () => {
        if (done) return;
        done = true;
        subscribers -= 1;
        local.off(userId, listener);
      };
    },
    size: () => subscribers,
    async close() {
      local.removeAllListeners();
      await subscriber?.quit().catch(() => undefined);
    },
  };
}
