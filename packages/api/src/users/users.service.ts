import { userView } from '@seed-pms/db';
import {
  assertInvitable,
  assertPasswordAcceptable,
  assertUserActive,
  assertUserArchived,
  type CreateUserInput,
  checkRoleChange,
  type ListUsersQuery,
  normalizeRoles,
  notFound,
  type Page,
  type UpdateUserInput,
  type UserRecord,
  type UserView,
  userErased,
} from '@seed-pms/domain';
import { assertCan } from '../access/ability.js';
import type { ActorContext } from '../app/call-context.js';
import type { ServiceDeps } from '../app/deps.js';
import type { AuditService } from '../audit/audit.service.js';
import type { AuthService } from '../auth/auth.service.js';
import { hashPassword } from '../auth/password.js';
import type { EventBus } from '../events/event-bus.js';

export interface UsersService {
  list(ctx: ActorContext, query: ListUsersQuery): Promise<Page<UserView>>;
  get(ctx: ActorContext, id: string): Promise<UserView>;
  create(ctx: ActorContext, input: CreateUserInput): Promise<UserView>;
  update(ctx: ActorContext, input: UpdateUserInput): Promise<UserView>;
  archive(ctx: ActorContext, input: { id: string; reason: string }): Promise<UserView>;
  restore(ctx: ActorContext, id: string): Promise<UserView>;
  resetPassword(
    ctx: ActorContext,
    input: { id: string; password?: string | undefined },
  ): Promise<{ method: 'temporary-password' | 'email'; sessionsRevoked: number }>;
  unlock(ctx: ActorContext, id: string): Promise<UserView>;
  invite(ctx: ActorContext, id: string): Promise<UserView>;
}

export function createUsersService(
  deps: Pick<ServiceDeps, 'repos'>,
  services: { audit: AuditService; auth: AuthService; events: EventBus },
): UsersService {
  const { users } = deps.repos;
  const { audit, auth, events } = services;

  async function load(id: string): Promise<UserRecord> {
    const user = await users.get(id);
    if (!user) throw notFound('User', id);
    return user;
  }

  /** Loads the user and checks the action on it (admins' accounts are for admins, and so on). */
  async function loadFor(ctx: ActorContext, action: Parameters<typeof assertCan>[1], id: string) {
    const user = await load(id);
    assertCan(ctx.actor, action, 'User', { id: user.id, roles: user.roles });
    // An erased account is a pseudonym for good: nothing changes, restores or signs it in again.
    if (user.erasedAt && action !== 'read') throw userErased(user.id, user.erasedAt);
    return user;
  }

  /** Audits a change of a user with both views (secrets never appear in views); returns the new view. */
  async function recorded(
    ctx: ActorContext,
    action: string,
    before: UserRecord,
    updated: UserRecord,
    details?: Record<string, unknown>,
  ): Promise<UserView> {
    const after = userView(updated);
    await audit.record(ctx, {
      action,
      resourceType: 'user',
      resourceId: after.id,
      before: userView(before),
      after,
      ...(details ? { details } : {}),
    });
    return after;
  }

  const ref = (user: UserRecord) => ({ id: user.id, email: user.email, name: user.name });
  const userEvent = (ctx: ActorContext, userId: string) => ({ userId, at: ctx.now, by: ctx.actor.id });

  return {
    list: (_ctx, query) => users.list(query),

    async get(ctx, id) {
      return userView(await loadFor(ctx, 'read', id));
    },

    async create(ctx, input) {
      const roles = normalizeRoles(input.roles);
      checkRoleChange(ctx.actor, { id: null, roles: [] }, roles);
      if (input.password !== undefined) assertPasswordAcceptable(input.password, { email: input.email });
      const invite = input.password === undefined && input.sendInvite;
      const created = await users.insertAccount(
        {
          email: input.email,
          name: input.name,
          roles,
          passwordHash: input.password === undefined ? null : await hashPassword(input.password),
          // An initial password set by someone else is changed at first login.
          mustChangePassword: input.password !== undefined,
          invitedAt: invite ? ctx.now : null,
        },
        ctx.now,
      );
      const view = userView(created);
      await audit.record(ctx, {
        action: 'user.create',
        resourceType: 'user',
        resourceId: view.id,
        after: view,
        details: { invited: invite, initialPassword: input.password !== undefined },
      });
      if (invite) await auth.sendInvite(ctx, ref(created));
      await events.publish('user.created', userEvent(ctx, created.id));
      return view;
    },

    async update(ctx, input) {
      const user = await loadFor(ctx, 'update', input.id);
      let roles: UserRecord['roles'] | undefined;
      if (input.roles !== undefined) {
        const requested = normalizeRoles(input.roles);
        checkRoleChange(ctx.actor, { id: user.id, roles: user.roles }, requested);
        if (requested.join() !== normalizeRoles(user.roles).join()) roles = requested;
      }
      const rolesChanged = roles !== undefined;
      const updated = await users.update(user, input.version, { name: input.name, email: input.email, roles }, ctx.now);
      auth.forgetUser(user.id);
      await users.copyToProfile(updated, ctx.now);
      const after = await recorded(ctx, rolesChanged ? 'user.roles.change' : 'user.update', user, updated);
      if (rolesChanged) {
        await events.publish('user.roles-changed', {
          ...userEvent(ctx, user.id),
          before: user.roles,
          after: after.roles,
        });
      }
      return after;
    },

    async archive(ctx, input) {
      const user = await loadFor(ctx, 'archive', input.id);
      assertUserActive(user, 'The user is already archived');
      const updated = await users.archive(user, { by: ctx.actor.id, reason: input.reason }, ctx.now);
      // At once: the per-request check sees the status, and no session can be refreshed.
      const ended = await auth.endSessions(user.id, 'user-archived', ctx.now);
      await users.copyToProfile(updated, ctx.now);
      const after = await recorded(ctx, 'user.archive', user, updated, { reason: input.reason, sessionsEnded: ended });
      await events.publish('user.archived', { ...userEvent(ctx, user.id), reason: input.reason });
      return after;
    },

    async restore(ctx, id) {
      const user = await loadFor(ctx, 'restore', id);
      assertUserArchived(user);
      const updated = await users.restore(user, ctx.now);
      auth.forgetUser(id);
      await users.copyToProfile(updated, ctx.now);
      const after = await recorded(ctx, 'user.restore', user, updated);
      await events.publish('user.restored', userEvent(ctx, user.id));
      return after;
    },

    async resetPassword(ctx, input) {
      const user = await loadFor(ctx, 'resetPassword', input.id);
      assertUserActive(user);
      if (input.password === undefined) {
        await auth.sendPasswordReset(ctx, ref(user));
        await audit.record(ctx, {
          action: 'user.password.reset',
          resourceType: 'user',
          resourceId: user.id,
          details: { method: 'email' },
        });
        return { method: 'email', sessionsRevoked: 0 };
      }
      assertPasswordAcceptable(input.password, { email: user.email });
      const passwordHash = await hashPassword(input.password);
      // The new password also lifts a lock; the failed sign-ins are forgotten with it.
      await users.setPassword(user, { passwordHash, mustChangePassword: true }, ctx.now);
      await auth.unlock(ref(user), ctx.now);
      const ended = await auth.endSessions(user.id, 'password-reset-by-admin', ctx.now);
      await audit.record(ctx, {
        action: 'user.password.reset',
        resourceType: 'user',
        resourceId: user.id,
        details: { method: 'temporary-password', sessionsEnded: ended },
      });
      return { method: 'temporary-password', sessionsRevoked: ended };
    },

    async unlock(ctx, id) {
      const user = await loadFor(ctx, 'unlock', id);
      await auth.unlock(ref(user), ctx.now);
      await audit.record(ctx, { action: 'user.unlock', resourceType: 'user', resourceId: id });
      return userView((await users.get(user.id)) ?? user);
    },

    async invite(ctx, id) {
      const user = await loadFor(ctx, 'update', id);
      assertInvitable(user);
      await auth.sendInvite(ctx, ref(user));
      const updated = await users.markInvited(user, ctx.now);
      await audit.record(ctx, { action: 'user.invite', resourceType: 'user', resourceId: id });
      return userView(updated);
    },
  };
}
