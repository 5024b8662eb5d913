import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { createBullMqJobRunner, createInProcessJobRunner, type JobRunner } from '../src/jobs/jobs.js';

const quiet = { error: () => undefined };

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function exercise(name: string, make: () => JobRunner) {
  describe(name, () => {
    it('runs enqueued jobs with their data, and scheduled jobs repeatedly', async () => {
      const runner = make();
      const seen: unknown[] = [];
      let ticks = 0;
      runner.register('mail.send', async (data) => {
        seen.push(data);
      });
      runner.register(
        'cleanup',
        async () => {
          ticks += 1;
        },
        { everyMs: 150 },
      );
      await runner.start();
      try {
        await runner.enqueue('mail.send', { to: 'ada@example.com' });
        await until(() => seen.length === 1 && ticks >= 2);
        expect(seen).toEqual([{ to: 'ada@example.com' }]);
      } finally {
        await runner.stop();
      }
    });

    it('keeps going after a job fails', async () => {
      const runner = make();
      let calls = 0;
      runner.register('flaky', async () => {
        calls += 1;
        throw new Error('boom');
      });
      runner.register('ok', async () => {
        calls += 100;
      });
      await runner.start();
      try {
        await runner.enqueue('flaky');
        await runner.enqueue('ok');
        await until(() => calls >= 101);
      } finally {
        await runner.stop();
      }
    });

    it('refuses to enqueue a job nobody registered', async () => {
      const runner = make();
      await expect(runner.enqueue('nope')).rejects.toThrow('unknown job: nope');
      await runner.stop();
    });
  });
}

exercise('in-process jobs', () => createInProcessJobRunner(quiet));
exercise('BullMQ jobs on the real Redis', () =>
  createBullMqJobRunner(inject('redisUrl'), quiet, `test-${randomUUID()}`),
);
