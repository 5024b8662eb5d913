import type { LeaseRepository } from '@seed-pms/db';
import { DomainError } from '@seed-pms/domain';

/**
 * How long a roster change (or an archive, or a change of a project's period)
 * waits for its project's turn before answering 409 RESOURCE_BUSY with
 * Retry-After. One change holds the turn for a few tens of milliseconds on
 * FerretDB (load the project and the person's ledger, decide, write the ledger
 * and the history), so twenty additions sent at once finish well inside it.
 */
export const PROJECT_TURN_WAIT_MS = 5_000;

export interface ProjectTurns {
  /**
   * Runs `fn` in the project's turn: one such change at a time per project
   * across every process, within a bounded wait (`PROJECT_TURN_WAIT_MS`).
   */
  run<T>(projectId: string, fn: () => Promise<T>): Promise<T>;
}

interface Waiter {
  go(): void;
  timer: ReturnType<typeof setTimeout>;
}

interface Turn {
  busy: boolean;
  waiting: Waiter[];
}

/**
 * Turns per project: a lease on the project (`project:<id>`, packages/db
 * locks.ts) guards them across processes; inside one process the changes of
 * a project also queue here in arrival order, so only one of them at a time
 * polls the lease (twenty pollers crowded FerretDB's write queue for the
 * `locks` collection, which delayed the release they were waiting for) and
 * they are served first come, first served. The wait is bounded as a whole:
 * queueing here and taking the lease share one deadline.
 */
export function createProjectTurns(leases: LeaseRepository, options: { waitMs?: number } = {}): ProjectTurns {
  const waitMs = options.waitMs ?? PROJECT_TURN_WAIT_MS;
  const turns = new Map<string, Turn>();
  // How long one turn lasts, smoothed: the Retry-After hint for those refused.
  let typicalMs = 50;

  const busy = (name: string, ahead: number) =>
    new DomainError('RESOURCE_BUSY', 'Another change of this project is in progress; try again shortly', {
      lock: name,
      retryAfterSeconds: Math.max(1, Math.ceil(((ahead + 1) * typicalMs) / 1000)),
    });

  function enter(name: string, deadline: number): Promise<void> {
    let turn = turns.get(name);
    if (!turn) {
      turn = { busy: false, waiting: [] };
      turns.set(name, turn);
    }
    if (!turn.busy) {
      turn.busy = true;
      return Promise.resolve();
    }
    const queue = turn;
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        go() {
          clearTimeout(waiter.timer);
          resolve();
        },
        timer: setTimeout(
          () => {
            queue.waiting.splice(queue.waiting.indexOf(waiter), 1);
            reject(busy(name, queue.waiting.length));
          },
          Math.max(0, deadline - Date.now()),
        ),
      };
      queue.waiting.push(waiter);
    });
  }

  function leave(name: string): void {
    const turn = turns.get(name);
    if (!turn) return;
    const next = turn.waiting.shift();
    if (next) next.go();
    else turns.delete(name);
  }

  return {
    async run(projectId, fn) {
      const name = `project:${projectId}`;
      const deadline = Date.now() + waitMs;
      await enter(name, deadline);
      const started = Date.now();
      try {
        return await leases.withLease(name, fn, { waitMs: Math.max(0, deadline - Date.now()) });
      } finally {
        typicalMs = typicalMs * 0.8 + (Date.now() - started) * 0.2;
        leave(name);
      }
    },
  };
}
