import type { JobCounts, JobTrigger } from '@seed-pms/domain';
import { type Job, Queue, Worker } from 'bullmq';
import type { FastifyBaseLogger } from 'fastify';
import { Redis } from 'ioredis';

/** What the runner knows about the run it hands to a handler. */
export interface JobContext {
  /** Whether the job's schedule came round or something enqueued it. */
  trigger: JobTrigger;
}

/** Does the job's work; may return counts of what it did (`{ sent: 3 }`), which its run record keeps. */
// biome-ignore lint/suspicious/noConfusingVoidType: a handler with nothing to count is a plain `async () => {}`
export type JobHandler = (data: Record<string, unknown>, context: JobContext) => Promise<void | JobCounts>;

export interface JobOptions {
  /** Run this job on a schedule, every so many milliseconds. */
  everyMs?: number;
}

/** A job a runner knows, as an admin sees it. */
export interface RegisteredJob {
  name: string;
  /** Null when the job runs only when enqueued. */
  everyMs: number | null;
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
  /** The jobs registered so far, in the order they were. */
  registered(): RegisteredJob[];
  enqueue(name: string, data?: Record<string, unknown>): Promise<void>;
  start(): Promise<void>;
  /** Stops taking new work and waits for running jobs to finish. */
  stop(): Promise<void>;
}

interface Registered {
  handler: JobHandler;
  options: JobOptions;
}

/** The jobs a runner knows; both runners refuse to enqueue a job nobody registered. */
function jobRegistry() {
  const jobs = new Map<string, Registered>();
  return {
    jobs,
    register(name: string, handler: JobHandler, options: JobOptions = {}) {
      jobs.set(name, { handler, options });
    },
    registered(): RegisteredJob[] {
      return [...jobs].map(([name, job]) => ({ name, everyMs: job.options.everyMs ?? null }));
    },
    known(name: string): Registered {
      const job = jobs.get(name);
      if (!job) throw new Error(`unknown job: ${name}`);
      return job;
    },
  };
}

export function createInProcessJobRunner(logger: Pick<FastifyBaseLogger, 'error'>): JobRunner {
  const registry = jobRegistry();
  const { jobs } = registry;
  const timers: NodeJS.Timeout[] = [];
  const running = new Set<Promise<unknown>>();
  let stopped = false;

  const run = (name: string, data: Record<string, unknown>, trigger: JobTrigger) => {
    const job = jobs.get(name);
    if (!job || stopped) return Promise.resolve();
    const task = job
      .handler(data, { trigger })
      .catch((error: unknown) => logger.error({ err: error, job: name }, 'job failed'))
      .finally(() => running.delete(task));
    running.add(task);
    return task;
  };

  return {
    mode: 'in-process',
    register: registry.register,
    registered: registry.registered,
    async enqueue(name, data = {}) {
      registry.known(name);
      setImmediate(() => void run(name, data, 'enqueued'));
    },
    async start() {
      for (const [name, job] of jobs) {
        if (job.options.everyMs) {
          const timer = setInterval(() => void run(name, {}, 'schedule'), job.options.everyMs);
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
  const registry = jobRegistry();
  const { jobs } = registry;
  // BullMQ needs maxRetriesPerRequest: null; the worker duplicates this connection for its blocking reads.
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue(queueName, { connection, defaultJobOptions: { removeOnComplete: 1000, removeOnFail: 5000 } });
  let worker: Worker | undefined;

  return {
    mode: 'bullmq',
    register: registry.register,
    registered: registry.registered,
    async enqueue(name, data = {}) {
      registry.known(name);
      await queue.add(name, data, { attempts: 3, backoff: { type: 'exponential', delay: 1000 } });
    },
    async start() {
      for (const [name, job] of jobs) {
        if (job.options.everyMs) await queue.upsertJobScheduler(name, { every: job.options.everyMs }, { name });
      }
      worker = new Worker(
        queueName,
        async (job: Job) => {
          // Jobs a scheduler made carry its key; the others were enqueued.
          const trigger: JobTrigger = job.repeatJobKey ? 'schedule' : 'enqueued';
          await registry.known(job.name).handler((job.data ?? {}) as Record<string, unknown>, { trigger });
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
