import { SettingsView, UpdateSettingsInput } from '@seed-pms/domain';
import { z } from 'zod';
import { authedProcedure, router } from '../trpc/trpc.js';

const tags = ['settings'];

export const settingsRouter = router({
  get: authedProcedure
    .meta({
      access: { action: 'read', subject: 'Settings' },
      openapi: { method: 'GET', path: '/settings', tags, summary: 'Organisation settings' },
    })
    .input(z.void())
    .output(SettingsView)
    .query(({ ctx }) => ctx.services.settings.get(ctx.now)),

  update: authedProcedure
    .meta({
      access: { action: 'update', subject: 'Settings' },
      openapi: {
        method: 'PATCH',
        path: '/settings',
        tags,
        summary: 'Change organisation settings (Admin; with version)',
      },
    })
    .input(UpdateSettingsInput)
    .output(SettingsView)
    .mutation(({ ctx, input }) => ctx.services.settings.update(ctx, input)),
});
