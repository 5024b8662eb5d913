import { type Job, Queue, Worker } from 'bullmq';
import type { FastifyBaseLogger } from 'fastify';
import { Redis } from 'ioredis';

export type JobHandler = (data: Record<string, unknown>) => Promise<void>;

export interface JobOptions {
  /** Run this job on a schedule, every so many milliseconds. */
  everyMs?: number;
}

/**
 * Background work. With REDIS_URL, jobs go through a BullMQ queue, so they
 * survive restarts and spread over instances (a scheduled job runs once per
 * period however many instances there are); without it they run in this
 * process, which is what the offline default needs.
 */
export interface JobRunner {
  readonly mode: 'bullmq' | 'in-process';
  register(name: string, handler: JobHandler, options?: JobOptions): void;
  enqueue(name: string, data?: Record<string, unknown>): Promise<void>;
  start(): Promise<void>;
  /** Stops taking new work and waits for running jobs to finish. */
  stop(): Promise<void>;
}

interface Registered {
  handler: JobHandler;
  options: JobOptions;
}

export function createInProcessJobRunner(logger: Pick<FastifyBaseLogger, 'error'>): JobRunner {
  const jobs = new Map<string, Registered>();
  const timers: NodeJS.Timeout[] = [];
  const running = new Set<Promise<void>>();
  let stopped = false;

  const run = (name: string, data: Record<string, unknown>) => {
    const job = jobs.get(name);
    if (!job || stopped) return Promise.resolve();
    const task = job
      .handler(data)
      .catch((error: unknown) => logger.error({ err: error, job: name }, 'job failed'))
      .finally(() => running.delete(task));
    running.add(task);
    return task;
  };

  return {
    mode: 'in-process',
    register(name, handler, options = {}) {
      jobs.set(name, { handler, options });
    },
    async enqueue(name, data = {}) {
      if (!jobs.has(name)) throw new Error(`unknown job: ${name}`);
      setImmediate(() => void run(name, data));
    },
    async start() {
      for (const [name, job] of jobs) {
        if (job.options.everyMs) {
          const timer = setInterval(() => void run(name, {}), job.options.everyMs);
          timer.unref();
          timers.push(timer);
        }
      }
    },
    async stop() {
      stopped = true;
      for (const timer of timers) clearInterval(timer);
      await Promise.allSettled([...running]);
    },
  };
}

export function createBullMqJobRunner(
  redisUrl: string,
  logger: Pick<FastifyBaseLogger, 'error'>,
  queueName = 'seed-pms',
): JobRunner {
  const jobs = new Map<string, Registered>();
  // BullMQ needs maxRetriesPerRequest: null; the worker duplicates this connection for its blocking reads.
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue(queueName, { connection, defaultJobOptions: { removeOnComplete: 1000, removeOnFail: 5000 } });
  let worker: Worker | undefined;

  return {
    mode: 'bullmq',
    register(name, handler, options = {}) {
      jobs.set(name, { handler, options });
    },
    async enqueue(name, data = {}) {
      if (!jobs.has(name)) throw new Error(`unknown job: ${name}`);
      await queue.add(name, data, { attempts: 3, backoff: { type: 'exponential', delay: 1000 } });
    },
    async start() {
      for (const [name, job] of jobs) {
        if (job.options.everyMs) await queue.upsertJobScheduler(name, { every: job.options.everyMs }, { name });
      }
      worker = new Worker(
        queueName,
        async (job: Job) => {
          const registered = jobs.get(job.name);
          if (!registered) throw new Error(`no handler for job ${job.name}`);
          await registered.handler((job.data ?? {}) as Record<string, unknown>);
        },
        { connection, concurrency: 4 },
      );
      worker.on('failed', (job, error) => logger.error({ err: error, job: job?.name }, 'job failed'));
      worker.on('error', (error) => logger.error({ err: error }, 'job worker error'));
    },
    async stop() {
      await worker?.close();
      await queue.close();
      await connection.quit();
    },
  };
}
