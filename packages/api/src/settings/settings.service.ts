import type { SettingsView, UpdateSettingsInput } from '@seed-pms/domain';
import type { ActorContext } from '../app/call-context.js';
import type { ServiceDeps } from '../app/deps.js';
import type { AuditService } from '../audit/audit.service.js';

/** How long settings read on the request path are reused (they change rarely). */
const CACHE_MS = 5_000;

export interface SettingsService {
  /** The settings, cached briefly; for decisions on the request path. */
  current(now: Date): Promise<SettingsView>;
  get(now: Date): Promise<SettingsView>;
  update(ctx: ActorContext, input: UpdateSettingsInput): Promise<SettingsView>;
}

export function createSettingsService(deps: Pick<ServiceDeps, 'repos'>, audit: AuditService): SettingsService {
  const { settings } = deps.repos;
  let cached: { view: SettingsView; at: number } | null = null;
  const get = async (now: Date) => {
    const view = await settings.get(now);
    cached = { view, at: now.getTime() };
    return view;
  };
  return {
    async current(now) {
      if (cached && now.getTime() - cached.at < CACHE_MS) return cached.view;
      return get(now);
    },
    get,
    async update(ctx, input) {
      const before = await get(ctx.now);
      const after = await settings.update(input.version, input, ctx.now);
      cached = { view: after, at: ctx.now.getTime() };
      await audit.record(ctx, {
        action: 'settings.update',
        resourceType: 'settings',
        resourceId: 'organization',
        before,
        after,
      });
      return after;
    },
  };
}
