import {
  type ComponentHealth,
  type ComponentState,
  type DeepHealthView,
  DomainError,
  isReady,
  type LiveView,
  type ReadyView,
} from '@seed-pms/domain';
import type { AppDeps } from '../app/deps.js';
import { APP_VERSION } from '../version.js';

export interface HealthService {
  live(): LiveView;
  ready(): Promise<ReadyView>;
  deep(): Promise<DeepHealthView>;
}

/** A dependency check must answer well within a load balancer's probe timeout. */
const CHECK_TIMEOUT_MS = 2_000;

async function timed(check: () => Promise<unknown>): Promise<ComponentHealth> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
      }),
    ]);
    return { state: 'up', latencyMs: Math.round((performance.now() - started) * 100) / 100, detail: null };
  } catch (error) {
    return { state: 'down', latencyMs: null, detail: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}

const statesOf = (all: Record<string, ComponentHealth>): Record<string, ComponentState> =>
  Object.fromEntries(Object.entries(all).map(([name, component]) => [name, component.state]));

/** Readiness asks the database itself (a ping), not its collections. */
export function createHealthService(deps: Pick<AppDeps, 'database' | 'redis' | 'jobs'>): HealthService {
  const components = async (): Promise<Record<string, ComponentHealth>> => {
    const { database, redis } = deps;
    const [db, cache] = await Promise.all([
      timed(() => database.ping()),
      redis
        ? timed(() => redis.ping())
        : Promise.resolve<ComponentHealth>({ state: 'disabled', latencyMs: null, detail: null }),
    ]);
    return {
      database: { ...db, detail: db.detail ?? `${database.kind} ${database.serverVersion}` },
      redis: cache,
    };
  };

  return {
    live: () => ({ status: 'ok', uptimeSeconds: Math.round(process.uptime()) }),

    async ready() {
      const checks = statesOf(await components());
      if (!isReady(checks)) {
        throw new DomainError('SERVICE_UNAVAILABLE', 'A dependency is not reachable', { checks });
      }
      return { status: 'ready', checks };
    },

    async deep() {
      const all = await components();
      const memory = process.memoryUsage();
      return {
        status: isReady(statesOf(all)) ? 'ok' : 'degraded',
        version: APP_VERSION,
        node: process.version,
        uptimeSeconds: Math.round(process.uptime()),
        memory: { rssBytes: memory.rss, heapUsedBytes: memory.heapUsed },
        components: { ...all, jobs: { state: 'up', latencyMs: null, detail: deps.jobs.mode } },
      };
    },
  };
}
