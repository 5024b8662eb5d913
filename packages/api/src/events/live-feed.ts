import { EventEmitter } from 'node:events';
import type { FastifyBaseLogger } from 'fastify';
import type { Redis } from 'ioredis';

/**
 * Items for people's real-time feeds, on one Redis channel. With Redis, every
 * instance publishes to the channel and delivers what it hears to its own
 * subscribers, so a person connected to any instance gets what any instance
 * made; without Redis (one instance) delivery stays in-process. Delivery is
 * best effort: a feed that resumes reads what it missed from storage
 * (`lastEventId`, see `feedStream`).
 */
export interface LiveFeed<T> {
  publish(userId: string, item: T): Promise<void>;
  /** Calls `listener` with each new item for this person until the returned function is called. */
  subscribe(userId: string, listener: (item: T) => void): () => void;
  /** Subscribers connected to this instance. */
  size(): number;
  close(): Promise<void>;
}

export function createLiveFeed<T>(
  channel: string,
  redis: Redis | null,
  logger: Pick<FastifyBaseLogger, 'warn'>,
): LiveFeed<T> {
  const local = new EventEmitter();
  local.setMaxListeners(0);
  let subscribers = 0;
  const deliver = (userId: string, item: T) => local.emit(userId, item);

  const subscriber = redis ? redis.duplicate() : null;
  let ready: Promise<unknown> = Promise.resolve();
  if (subscriber) {
    subscriber.on('message', (_channel: string, message: string) => {
      try {
        const { userId, item } = JSON.parse(message) as { userId: string; item: T };
        deliver(userId, item);
      } catch (error) {
        logger.warn({ err: error, channel }, 'an unreadable feed message was ignored');
      }
    });
    subscriber.on('error', (error: Error) => logger.warn({ err: error, channel }, 'feed subscriber error'));
    ready = subscriber.subscribe(channel).catch((error: unknown) => {
      logger.warn(
        { err: error, channel },
        'cannot subscribe to a feed channel; feeds on this instance see only its own',
      );
    });
  }

  return {
    async publish(userId, item) {
      if (!redis || !subscriber) {
        deliver(userId, item);
        return;
      }
      await ready;
      try {
        await redis.publish(channel, JSON.stringify({ userId, item }));
      } catch (error) {
        // Redis is down: this instance's own subscribers still get it; others catch up when they resume.
        logger.warn({ err: error, channel }, 'cannot publish to a feed; delivering on this instance only');
        deliver(userId, item);
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

/**
 * A person's feed as an async stream: first what they missed since
 * `lastEventId` (`replay`), then the live items, each once, until `signal`
 * aborts. It subscribes before reading the replay, so nothing made meanwhile
 * falls between the two.
 */
export async function* feedStream<T>(options: {
  feed: Pick<LiveFeed<T>, 'subscribe'>;
  userId: string;
  lastEventId: string | null | undefined;
  replay: (lastEventId: string) => Promise<T[]>;
  idOf: (item: T) => string;
  signal?: AbortSignal | undefined;
}): AsyncGenerator<T> {
  const { feed, userId, lastEventId, replay, idOf, signal } = options;
  const queue: T[] = [];
  let wake: (() => void) | null = null;
  const unsubscribe = feed.subscribe(userId, (item) => {
    queue.push(item);
    wake?.();
  });
  const stop = () => wake?.();
  signal?.addEventListener('abort', stop);
  try {
    const replayed = new Set<string>();
    if (lastEventId) {
      for (const item of await replay(lastEventId)) {
        replayed.add(idOf(item));
        yield item;
      }
    }
    while (!signal?.aborted) {
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
        if (!replayed.has(idOf(next))) yield next;
      }
      if (signal?.aborted) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      wake = null;
    }
  } finally {
    unsubscribe();
    signal?.removeEventListener('abort', stop);
  }
}
