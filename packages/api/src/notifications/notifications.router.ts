import {
  ListNotificationsQuery,
  NotificationPageView,
  NotificationParams,
  NotificationPreferencesView,
  NotificationView,
  OnNewInput,
  ReadAllView,
  UnreadCountView,
  UpdatePreferencesInput,
} from '@seed-pms/domain';
import { tracked } from '@trpc/server';
import { z } from 'zod';
import { authedProcedure, router } from '../trpc/trpc.js';

const tags = ['notifications'];

export const notificationsRouter = router({
  list: authedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/notifications',
        tags,
        summary: 'Your notifications, newest first (cursor pages; unread=true for unread only)',
      },
    })
    .input(ListNotificationsQuery)
    .output(NotificationPageView)
    .query(({ ctx, input }) => ctx.services.notifications.list(ctx, input)),

  unreadCount: authedProcedure
    .meta({
      openapi: { method: 'GET', path: '/notifications/unread-count', tags, summary: 'How many are unread (the badge)' },
    })
    .input(z.void())
    .output(UnreadCountView)
    .query(({ ctx }) => ctx.services.notifications.unreadCount(ctx)),

  markRead: authedProcedure
    .meta({
      openapi: { method: 'PATCH', path: '/notifications/{id}/read', tags, summary: 'Mark one notification read' },
    })
    .input(NotificationParams)
    .output(NotificationView)
    .mutation(({ ctx, input }) => ctx.services.notifications.markRead(ctx, input.id)),

  readAll: authedProcedure
    .meta({
      openapi: { method: 'POST', path: '/notifications/read-all', tags, summary: 'Mark all your notifications read' },
    })
    .input(z.void())
    .output(ReadAllView)
    .mutation(({ ctx }) => ctx.services.notifications.readAll(ctx)),

  preferences: authedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/notifications/preferences',
        tags,
        summary: 'Per notification type: in-app and/or email (defaults until you change them)',
      },
    })
    .input(z.void())
    .output(NotificationPreferencesView)
    .query(({ ctx }) => ctx.services.notifications.preferences(ctx)),

  updatePreferences: authedProcedure
    .meta({
      errors: ['NOTIFICATION_CHANNEL_REQUIRED'],
      openapi: {
        method: 'PUT',
        path: '/notifications/preferences',
        tags,
        summary: 'Change the channels of some types (requests to decide keep at least one)',
      },
    })
    .input(UpdatePreferencesInput)
    .output(NotificationPreferencesView)
    .mutation(({ ctx, input }) => ctx.services.notifications.updatePreferences(ctx, input)),

  /**
   * New notifications as they are made, over SSE (tRPC's httpSubscriptionLink).
   * Each event's id is the notification's: a reconnect sends it back as
   * `lastEventId` and first gets what it missed.
   */
  onNew: authedProcedure.input(OnNewInput).subscription(async function* ({ ctx, input, signal }) {
    for await (const notification of ctx.services.notifications.stream(ctx, input?.lastEventId, signal)) {
      yield tracked(notification.id, notification);
    }
  }),
});
