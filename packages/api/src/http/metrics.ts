import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

declare module 'fastify' {
  interface FastifyRequest {
    metricsStart: bigint;
  }
}

export interface MetricsOptions {
  /** Names a request for the route label (bounded set: templates, not raw URLs). */
  routeLabel?: (request: FastifyRequest) => string | undefined;
  /** Adds an area's own metrics to the app's registry. */
  extend?: (registry: Registry) => void;
}

/**
 * Prometheus metrics at GET /metrics: request count and latency by route
 * template and status, plus the process metrics prom-client collects. Each app
 * has its own registry, so several apps in one process (tests) do not mix.
 */
export const metricsPlugin = fp(
  async (app: FastifyInstance, options: MetricsOptions) => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    options.extend?.(registry);
    const requests = new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests answered, by method, route and status',
      labelNames: ['method', 'route', 'status'] as const,
      registers: [registry],
    });
    const duration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency, by method, route and status',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });

    app.decorateRequest('metricsStart', 0n);
    app.addHook('onRequest', async (request) => {
      request.metricsStart = process.hrtime.bigint();
    });
    app.addHook('onResponse', async (request, reply) => {
      const route =
        options.routeLabel?.(request) ?? (request.routeOptions.url ? request.routeOptions.url : 'unmatched');
      if (route === '/metrics') return;
      const labels = { method: request.method, route, status: String(reply.statusCode) };
      requests.inc(labels);
      duration.observe(labels, Number(process.hrtime.bigint() - request.metricsStart) / 1e9);
    });

    app.get('/metrics', async (_request, reply) => {
      void reply.type(registry.contentType);
      return registry.metrics();
    });
  },
  { name: 'seed-metrics' },
);

/** The approvals engine's metrics: pending workflows by kind (gauge) and time to decision (histogram). */
export function approvalMetrics(approvals: {
  pendingByKind(): Promise<Map<string, number>>;
  onEvent(
    handler: (
      event: { type: string; stage?: number },
      workflow: { kind: string; stages: { index: number; startedAt: Date | null }[]; decisions: { at: Date }[] },
    ) => Promise<void>,
  ): void;
}): (registry: Registry) => void {
  return (registry) => {
    new Gauge({
      name: 'approvals_pending',
      help: 'Pending approval workflows, by kind',
      labelNames: ['kind'] as const,
      registers: [registry],
      async collect() {
        for (const [kind, n] of await approvals.pendingByKind()) this.set({ kind }, n);
      },
    });
    const timeToDecision = new Histogram({
      name: 'approval_time_to_decision_seconds',
      help: 'From a stage asking to a decision, by kind',
      labelNames: ['kind'] as const,
      buckets: [60, 600, 3600, 4 * 3600, 8 * 3600, 24 * 3600, 72 * 3600, 7 * 24 * 3600],
      registers: [registry],
    });
    approvals.onEvent(async (event, workflow) => {
      if (event.type !== 'approval.decided') return;
      const started = workflow.stages.find((s) => s.index === event.stage)?.startedAt;
      const at = workflow.decisions.at(-1)?.at;
      if (started && at) timeToDecision.observe({ kind: workflow.kind }, (at.getTime() - started.getTime()) / 1000);
    });
  };
}
