import { z } from 'zod';

export const ComponentState = z.enum(['up', 'down', 'disabled']);
export type ComponentState = z.infer<typeof ComponentState>;

export const LiveView = z
  .object({
    status: z.literal('ok'),
    uptimeSeconds: z.number().meta({ description: 'Seconds since the process started.' }),
  })
  .meta({ id: 'LiveView' });
export type LiveView = z.infer<typeof LiveView>;

export const ReadyView = z
  .object({
    status: z.literal('ready'),
    checks: z.record(z.string(), ComponentState),
  })
  .meta({ id: 'ReadyView' });
export type ReadyView = z.infer<typeof ReadyView>;

export const ComponentHealth = z.object({
  state: ComponentState,
  latencyMs: z.number().nullable(),
  detail: z.string().nullable(),
});
export type ComponentHealth = z.infer<typeof ComponentHealth>;

export const DeepHealthView = z
  .object({
    status: z.enum(['ok', 'degraded']),
    version: z.string(),
    node: z.string(),
    uptimeSeconds: z.number(),
    memory: z.object({ rssBytes: z.number(), heapUsedBytes: z.number() }),
    components: z.record(z.string(), ComponentHealth),
  })
  .meta({ id: 'DeepHealthView' });
export type DeepHealthView = z.infer<typeof DeepHealthView>;

/** Readiness needs every enabled component up. */
export function isReady(checks: Record<string, ComponentState>): boolean {
  return Object.values(checks).every((state) => state !== 'down');
}
