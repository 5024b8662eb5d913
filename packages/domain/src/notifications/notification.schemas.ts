import { z } from 'zod';
import { CursorQuery, cursorPageOf, Id, Instant, QueryFlag } from '../common/common.schemas.js';
import { PersonRef } from '../employees/employee.schemas.js';

/**
 * What a person is told about. Approval types follow the engine's workflow
 * events; the project types come from the projects area.
 */
export const NOTIFICATION_TYPES = [
  'approval.requested',
  'approval.reminded',
  'approval.escalated',
  'approval.decided',
  'approval.cancelled',
  'approval.delegated',
  'project.overallocated',
  'project.mention',
  'message.unread',
  'expense.reimbursed',
  'webhook.disabled',
] as const;
export const NotificationType = z.enum(NOTIFICATION_TYPES).meta({ id: 'NotificationType' });
export type NotificationType = z.infer<typeof NotificationType>;

export const NotificationView = z
  .object({
    id: Id,
    type: NotificationType,
    title: z.string(),
    body: z.string(),
    link: z.string().meta({ description: 'Where the app shows it, e.g. `/approvals/{workflowId}`.' }),
    actor: PersonRef.nullable().meta({ description: 'Who caused it (null for the system).' }),
    data: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]))
      .meta({ description: 'Ids a client can act on (workflowId, kind, projectId, …).' }),
    readAt: Instant.nullable(),
    createdAt: Instant,
  })
  .meta({ id: 'Notification' });
export type NotificationView = z.infer<typeof NotificationView>;

export const NotificationPageView = cursorPageOf(NotificationView);
export type NotificationPageView = z.infer<typeof NotificationPageView>;

export const UnreadCountView = z.object({
  unread: z.number().int().meta({ description: 'Your unread notifications.' }),
});

export const ListNotificationsQuery = CursorQuery.extend({
  unread: QueryFlag.optional().meta({ description: 'Only unread ones.' }),
});
export type ListNotificationsQuery = z.infer<typeof ListNotificationsQuery>;

export const NotificationParams = z.object({ id: Id });

export const ChannelPreference = z
  .object({
    type: NotificationType,
    inApp: z.boolean(),
    email: z.boolean(),
  })
  .meta({ id: 'NotificationPreference' });
export type ChannelPreference = z.infer<typeof ChannelPreference>;

export const NotificationPreferencesView = z
  .object({
    items: z.array(
      ChannelPreference.extend({
        required: z.boolean().meta({ description: 'Must keep at least one channel on.' }),
        changed: z.boolean().meta({ description: 'You changed it (else the default).' }),
      }),
    ),
  })
  .meta({ id: 'NotificationPreferences' });
export type NotificationPreferencesView = z.infer<typeof NotificationPreferencesView>;

export const UpdatePreferencesInput = z
  .strictObject({
    items: z
      .array(ChannelPreference.strict())
      .min(1)
      .max(NOTIFICATION_TYPES.length)
      .meta({ description: 'The types to change; others keep their setting.' }),
  })
  .superRefine((input, ctx) => {
    const seen = new Set<string>();
    for (const [index, item] of input.items.entries()) {
      if (seen.has(item.type)) ctx.addIssue({ code: 'custom', path: ['items', index, 'type'], message: 'named twice' });
      seen.add(item.type);
    }
  });
export type UpdatePreferencesInput = z.infer<typeof UpdatePreferencesInput>;

export const ReadAllView = z.object({ updated: z.number().int() });

export const OnNewInput = z
  .object({
    lastEventId: z
      .string()
      .max(64)
      .nullish()
      .meta({ description: 'Resume after this notification id (the client sends it on reconnect).' }),
  })
  .optional();
