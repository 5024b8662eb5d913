import type { NotificationRecord } from '@seed-pms/db';
import {
  type ApprovalEvent,
  type Channels,
  type CursorPage,
  channelsOf,
  dayInTimezone,
  digestNotifications,
  formatMinor,
  type ListNotificationsQuery,
  mentionedEmails,
  type NewNotification,
  NOTIFICATION_TYPES,
  type NotificationPageView,
  type NotificationPreferencesView,
  type NotificationType,
  type NotificationView,
  notFound,
  notificationsForApproval,
  REQUIRED_TYPES,
  type UpdatePreferencesInput,
  updatePreferences,
  type WorkflowRecord,
  webhookDisabledNotifications,
} from '@seed-pms/domain';
import { canOn } from '../access/ability.js';
import type { ActorContext } from '../app/call-context.js';
import type { ServiceDeps } from '../app/deps.js';
import type { ApprovalsService } from '../approvals/approvals.service.js';
import type { DomainEvents } from '../events/event-bus.js';
import { feedStream } from '../events/live-feed.js';
import type { OutboxService } from '../mail/outbox.service.js';
import { approvalRequestEmail, type EmailContent, notificationEmail } from '../mail/templates.js';
import type { SettingsService } from '../settings/settings.service.js';
import type { NotificationFeed } from './notification-feed.js';

export interface NotificationsService {
  list(ctx: ActorContext, query: ListNotificationsQuery): Promise<NotificationPageView>;
  unreadCount(ctx: ActorContext): Promise<{ unread: number }>;
  markRead(ctx: ActorContext, id: string): Promise<NotificationView>;
  readAll(ctx: ActorContext): Promise<{ updated: number }>;
  preferences(ctx: ActorContext): Promise<NotificationPreferencesView>;
  updatePreferences(ctx: ActorContext, input: UpdatePreferencesInput): Promise<NotificationPreferencesView>;
  /**
   * The caller's new notifications as they come, after those made since
   * `lastEventId` (a reconnect misses nothing); ends when `signal` aborts.
   */
  stream(
    ctx: ActorContext,
    lastEventId: string | null | undefined,
    signal?: AbortSignal,
  ): AsyncIterable<NotificationView>;
}

/** What the notifications area handles from other areas (subscribed in events/subscriptions.ts). */
export interface NotificationsInternals extends NotificationsService {
  onApprovalEvent(event: ApprovalEvent, workflow: WorkflowRecord): Promise<void>;
  onDelegated(event: DomainEvents['approval.delegated']): Promise<void>;
  onOverallocated(event: DomainEvents['capacity.overallocated']): Promise<void>;
  onCommentSaved(event: DomainEvents['project.comment-saved']): Promise<void>;
  /** One "N new messages from …" per recipient, in-app and/or by email as they chose. */
  onMessagesUnread(event: DomainEvents['messages.unread']): Promise<void>;
  /** The claimant hears that their claim was paid. */
  onExpenseReimbursed(event: DomainEvents['expense.reimbursed']): Promise<void>;
  /** Every active admin hears that a webhook subscription was disabled. */
  onWebhookDisabled(event: DomainEvents['webhook.disabled']): Promise<void>;
  /** Deletes notifications older than `keepDays`; returns how many. */
  purge(now: Date, keepDays?: number): Promise<number>;
}

/** Notifications are kept this long (read or not), then purged. */
export const NOTIFICATIONS_KEEP_DAYS = 180;
/** How many missed notifications a resuming feed replays at most. */
const REPLAY_LIMIT = 500;
/** Types whose email carries the one-click links. */
const LINK_TYPES: ReadonlySet<NotificationType> = new Set(['approval.requested', 'approval.escalated']);

export function createNotificationsService(
  deps: Pick<ServiceDeps, 'repos' | 'logger' | 'config'>,
  services: { outbox: OutboxService; approvals: ApprovalsService; settings: SettingsService; feed: NotificationFeed },
): NotificationsInternals {
  const { notifications, users, employees, capacity, projects } = deps.repos;
  const { outbox, approvals, settings, feed } = services;
  const appUrl = deps.config.APP_URL.replace(/\/+$/, '');

  function viewOf(record: NotificationRecord, names: ReadonlyMap<string, string>): NotificationView {
    return {
      id: record.id,
      type: record.type,
      title: record.title,
      body: record.body,
      link: record.link,
      actor: record.actorId ? { id: record.actorId, name: names.get(record.actorId) ?? 'Unknown person' } : null,
      data: record.data,
      readAt: record.readAt?.toISOString() ?? null,
      createdAt: record.createdAt.toISOString(),
    };
  }

  async function views(records: readonly NotificationRecord[]): Promise<NotificationView[]> {
    const cards = await employees.cards([...new Set(records.flatMap((r) => (r.actorId ? [r.actorId] : [])))]);
    const names = new Map([...cards].map(([id, card]) => [id, card.name]));
    return records.map((r) => viewOf(r, names));
  }

  /**
   * Hands each notification to the channels its recipient chose: stored and
   * fed in-app, and/or emailed through the outbox (`email` makes the
   * message; by default the generic one). Recipients without an active
   * account get nothing. A failed email never loses the in-app notification.
   */
  async function deliver(
    list: readonly NewNotification[],
    now: Date,
    email?: (n: NewNotification, name: string) => Promise<EmailContent>,
    /** Names already read by the caller (recipients among them are not read again). */
    known?: ReadonlyMap<string, string>,
  ): Promise<void> {
    if (list.length === 0) return;
    const recipients = [...new Set(list.map((n) => n.userId))];
    const unknown = recipients.filter((id) => !known?.has(id));
    const [stored, accounts, cards] = await Promise.all([
      notifications.preferencesOf(recipients),
      Promise.all(recipients.map((id) => users.get(id))),
      unknown.length > 0 ? employees.cards(unknown) : new Map<string, { name: string }>(),
    ]);
    const nameOf = (id: string) => known?.get(id) ?? cards.get(id)?.name;
    const active = new Map(accounts.filter((u) => u?.status === 'active').map((u) => [u?.id as string, u]));
    const inApp: NewNotification[] = [];
    const mails: { n: NewNotification; to: string; name: string }[] = [];
    for (const n of list) {
      const account = active.get(n.userId);
      if (!account) continue;
      const channels = channelsOf(stored.get(n.userId) ?? {})[n.type];
      if (channels.inApp) inApp.push(n);
      if (channels.email) mails.push({ n, to: account.email, name: nameOf(n.userId) ?? account.email });
    }
    const saved = await notifications.insertMany(inApp, now);
    const shown = await views(saved);
    await Promise.all(
      shown.map((view, i) => feed.publish({ ...view, userId: (saved[i] as NotificationRecord).userId })),
    );
    const composed = await Promise.all(
      mails.map(async ({ n, to, name }) => {
        try {
          const content = email
            ? await email(n, name)
            : notificationEmail({ name, title: n.title, body: n.body, link: `${appUrl}${n.link}` });
          return { purpose: `notification.${n.type}`, to, ...content };
        } catch (error) {
          deps.logger.error({ err: error, type: n.type, userId: n.userId }, 'a notification email could not be made');
          return null;
        }
      }),
    );
    try {
      await outbox.enqueueMany(
        composed.filter((c) => c !== null),
        now,
      );
    } catch (error) {
      deps.logger.error({ err: error, emails: composed.length }, 'notification emails could not be queued');
    }
  }

  /** Names of these people, as a function (and the map, for deliver). */
  async function nameMap(ids: Iterable<string>): Promise<((id: string) => string) & { known: Map<string, string> }> {
    const cards = await employees.cards([...new Set(ids)]);
    const known = new Map([...cards].map(([id, card]) => [id, card.name]));
    return Object.assign((id: string) => known.get(id) ?? 'Someone', { known });
  }

  function preferencesView(stored: Partial<Record<NotificationType, Channels>>): NotificationPreferencesView {
    const channels = channelsOf(stored);
    return {
      items: NOTIFICATION_TYPES.map((type) => ({
        type,
        inApp: channels[type].inApp,
        email: channels[type].email,
        required: REQUIRED_TYPES.has(type),
        changed: channels[type].changed,
      })),
    };
  }

  return {
    async list(ctx, query) {
      const page = await notifications.list(ctx.actor.id, query);
      const result: CursorPage<NotificationView> = { items: await views(page.items), nextCursor: page.nextCursor };
      return result;
    },

    async unreadCount(ctx) {
      return { unread: await notifications.unreadCount(ctx.actor.id) };
    },

    async markRead(ctx, id) {
      const record = await notifications.markRead(ctx.actor.id, id, ctx.now);
      if (!record) throw notFound('Notification', id);
      return (await views([record]))[0] as NotificationView;
    },

    async readAll(ctx) {
      return { updated: await notifications.markAllRead(ctx.actor.id, ctx.now) };
    },

    async preferences(ctx) {
      return preferencesView(await notifications.preferences(ctx.actor.id));
    },

    async updatePreferences(ctx, input) {
      const next = updatePreferences(await notifications.preferences(ctx.actor.id), input);
      await notifications.savePreferences(ctx.actor.id, next, ctx.now);
      return preferencesView(next);
    },

    stream(ctx, lastEventId, signal) {
      return feedStream({
        feed,
        userId: ctx.actor.id,
        lastEventId,
        replay: async (after) => views(await notifications.after(ctx.actor.id, after, REPLAY_LIMIT)),
        idOf: (view) => view.id,
        signal,
      });
    },

    async onApprovalEvent(event, workflow) {
      const ids = [workflow.requesterId];
      if ('awaiting' in event) ids.push(...event.awaiting);
      if (event.type === 'approval.escalated') ids.push(...event.to);
      if (event.type === 'approval.requested') ids.push(...event.deputies.map((d) => d.forId));
      if (event.type === 'approval.decided') {
        if (event.by) ids.push(event.by);
        if (event.actingFor) ids.push(event.actingFor);
      }
      const name = await nameMap(ids);
      const list = notificationsForApproval(
        event,
        {
          id: workflow.id,
          kind: workflow.kind,
          summary: workflow.subject.summary,
          requesterId: workflow.requesterId,
          state: workflow.state,
          round: workflow.round,
          stageName: (index) => workflow.stages[index]?.name ?? `stage ${index + 1}`,
        },
        name,
      );
      const now = workflow.updatedAt;
      await deliver(
        list,
        now,
        async (n, recipient) => {
          const appLink = `${appUrl}${n.link}`;
          if (!LINK_TYPES.has(n.type) || workflow.state !== 'pending') {
            return notificationEmail({ name: recipient, title: n.title, body: n.body, link: appLink });
          }
          const tokens = await approvals.issueLinks(workflow, n.userId, now);
          return approvalRequestEmail({
            name: recipient,
            title: n.title,
            body: n.body,
            appLink,
            approveLink: `${appUrl}/approvals/links/${tokens.approve}`,
            rejectLink: `${appUrl}/approvals/links/${tokens.reject}`,
            validHours: deps.config.APPROVAL_LINK_TTL_HOURS,
          });
        },
        name.known,
      );
    },

    async onDelegated(event) {
      const name = await nameMap([event.delegatorId, event.by]);
      const what = event.kinds ? event.kinds.join(', ') : 'every kind of request';
      await deliver(
        [
          {
            userId: event.delegateId,
            type: 'approval.delegated',
            title: `${name(event.delegatorId)} delegated approvals to you`,
            body: `From ${event.from} to ${event.to} you decide ${name(event.delegatorId)}'s approvals (${what}); they appear in your inbox, marked "for ${name(event.delegatorId)}".`,
            link: '/approvals',
            actorId: event.by,
            data: { delegationId: event.delegationId, delegatorId: event.delegatorId, from: event.from, to: event.to },
          },
        ],
        event.at,
      );
    },

    async onOverallocated(event) {
      const { organization } = await settings.current(event.at);
      const today = dayInTimezone(event.at, organization.timezone);
      const name = await nameMap(event.userIds);
      const project = await projects.get(event.projectId);
      const list: NewNotification[] = [];
      for (const userId of event.userIds) {
        const ledger = await capacity.get(userId);
        const current = ledger.segments.filter((s) => s.end === null || s.end >= today);
        const projectIds = [...new Set(current.map((s) => s.projectId))];
        const leads = await capacity.leadsOn(projectIds, { start: today, end: null });
        for (const lead of leads) {
          if (lead === userId || lead === event.by) continue;
          list.push({
            userId: lead,
            type: 'project.overallocated',
            title: `${name(userId)} is over-allocated`,
            body: event.leaveRequestId
              ? `Approved leave takes ${name(userId)}, who works on your project, below their allocation on some days.`
              : `A change on ${project?.name ?? 'a project'} allocates ${name(userId)}, who works on your project, above their availability on some days.`,
            link: `/employees/${userId}/capacity`,
            actorId: event.by,
            data: { userId, projectId: event.projectId },
          });
        }
      }
      const seen = new Set<string>();
      await deliver(
        list.filter((n) => {
          const key = `${n.userId}:${n.data.userId}`;
          if (seen.has(key)) return false;
          seen.add(key);
          return true;
        }),
        event.at,
      );
    },

    async onCommentSaved(event) {
      const emails = mentionedEmails(event.body);
      if (emails.length === 0) return;
      const { organization } = await settings.current(event.at);
      const today = dayInTimezone(event.at, organization.timezone);
      const project = await projects.get(event.projectId);
      if (!project) return;
      const author = (await nameMap([event.authorId]))(event.authorId);
      const list: NewNotification[] = [];
      for (const email of emails) {
        const user = await users.byEmail(email);
        if (!user || user.status !== 'active' || user.id === event.authorId) continue;
        // Only someone who may read the project's comments is told what one says.
        const segments = (await capacity.get(user.id)).segments.filter(
          (s) => s.projectId === project.id && (s.end === null || s.end >= today),
        );
        const scope = {
          projectId: project.id,
          authorId: event.authorId,
          memberIds: segments.length > 0 ? [user.id] : [],
          leadIds: segments.some((s) => s.role === 'lead') ? [user.id] : [],
        };
        const actor = { id: user.id, email: user.email, roles: user.roles, sessionId: null, pending: [] };
        if (!canOn(actor, 'read', 'ProjectComment', scope)) continue;
        const excerpt = event.body.length > 280 ? `${event.body.slice(0, 277)}…` : event.body;
        list.push({
          userId: user.id,
          type: 'project.mention',
          title: `${author} mentioned you on ${project.name}`,
          body: excerpt,
          link: `/projects/${project.id}/comments`,
          actorId: event.authorId,
          data: { projectId: project.id, commentId: event.commentId },
        });
      }
      await deliver(list, event.at);
    },

    async onMessagesUnread(event) {
      const name = await nameMap(event.digests.flatMap((d) => [d.senderId, d.recipientId]));
      await deliver(digestNotifications(event.digests, name), event.at, undefined, name.known);
    },

    async onExpenseReimbursed(event) {
      const amount = `${formatMinor(event.amount)} ${event.amount.currency}`;
      await deliver(
        [
          {
            userId: event.userId,
            type: 'expense.reimbursed',
            title: `Your claim of ${amount} was paid`,
            body: `“${event.description}” was paid on ${event.paidOn} (reference ${event.reference}).`,
            link: `/expenses/${event.expenseId}`,
            actorId: event.by,
            data: { expenseId: event.expenseId },
          },
        ],
        event.at,
      );
    },

    async onWebhookDisabled(event) {
      const holders = await users.candidates([], ['admin']);
      const admins = [...holders].filter(([, who]) => who.active && who.roles.includes('admin')).map(([id]) => id);
      await deliver(webhookDisabledNotifications(admins, event), event.at);
    },

    // A legal hold keeps the person's notifications, as it does from the retention policy.
    purge: async (now, keepDays = NOTIFICATIONS_KEEP_DAYS) =>
      notifications.purgeBefore(
        new Date(now.getTime() - keepDays * 86_400_000),
        await deps.repos.legalHolds.heldUserIds(),
      ),
  };
}
