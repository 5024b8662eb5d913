import {
  findUserById,
  insertAccount,
  listUsers,
  nameKeyOf,
  type ObjectId,
  parseId,
  syncEmployeeIdentity,
  toUserView,
  type UserDoc,
  updateVersioned,
  type WithId,
  withUniqueEmail,
} from '@seed-pms/db';
import {
  assertPasswordAcceptable,
  type CreateUserInput,
  checkRoleChange,
  DomainError,
  type ListUsersQuery,
  normalizeEmail,
  normalizeRoles,
  notFound,
  type Page,
  type UpdateUserInput,
  type UserView,
} from '@seed-pms/domain';
import { assertCan } from '../access/ability.js';
import type { ActorContext } from '../app/call-context.js';
import type { AppDeps } from '../app/deps.js';
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
  deps: AppDeps,
  services: { audit: AuditService; auth: AuthService; events: EventBus },
): UsersService {
  const { users, employees } = deps.database.collections;
  const { audit, auth, events } = services;

  async function load(id: string): Promise<WithId<UserDoc>> {
    const user = await findUserById(users, parseId(id, { resource: 'User' }));
    if (!user) throw notFound('User', id);
    return user;
  }

  /** Loads the user and checks the action on it (admins' accounts are for admins, and so on). */
  async function loadFor(ctx: ActorContext, action: Parameters<typeof assertCan>[1], id: string) {
    const user = await load(id);
    assertCan(ctx.actor, action, 'User', { id: user._id.toHexString(), roles: user.roles });
    return user;
  }

  /** Audits a change of a user with both views (secrets never appear in views); returns the new view. */
  async function recorded(
    ctx: ActorContext,
    action: string,
    before: WithId<UserDoc>,
    updated: WithId<UserDoc>,
    details?: Record<string, unknown>,
  ): Promise<UserView> {
    const after = toUserView(updated);
    await audit.record(ctx, {
      action,
      resourceType: 'user',
      resourceId: after.id,
      before: toUserView(before),
      after,
      ...(details ? { details } : {}),
    });
    return after;
  }

  const ref = (user: WithId<UserDoc>) => ({ id: user._id.toHexString(), email: user.email, name: user.name });
  const userEvent = (ctx: ActorContext, userId: ObjectId) => ({
    userId: userId.toHexString(),
    at: ctx.now,
    by: ctx.actor.id,
  });

  return {
    list: (_ctx, query) => listUsers(users, query),

    async get(ctx, id) {
      return toUserView(await loadFor(ctx, 'read', id));
    },

    async create(ctx, input) {
      const roles = normalizeRoles(input.roles);
      checkRoleChange(ctx.actor, { id: null, roles: [] }, roles);
      if (input.password !== undefined) assertPasswordAcceptable(input.password, { email: input.email });
      const invite = input.password === undefined && input.sendInvite;
      const created = await insertAccount(
        users,
        employees,
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
      const view = toUserView(created);
      await audit.record(ctx, {
        action: 'user.create',
        resourceType: 'user',
        resourceId: view.id,
        after: view,
        details: { invited: invite, initialPassword: input.password !== undefined },
      });
      if (invite) await auth.sendInvite(ctx, ref(created));
      await events.publish('user.created', userEvent(ctx, created._id));
      return view;
    },

    async update(ctx, input) {
      const user = await loadFor(ctx, 'update', input.id);
      const set: Partial<UserDoc> = {};
      if (input.name !== undefined && input.name !== user.name) {
        set.name = input.name;
        set.nameKey = nameKeyOf(input.name);
      }
      if (input.email !== undefined && normalizeEmail(input.email) !== user.emailKey) {
        set.email = input.email;
        set.emailKey = normalizeEmail(input.email);
      }
      let rolesChanged = false;
      if (input.roles !== undefined) {
        const roles = normalizeRoles(input.roles);
        checkRoleChange(ctx.actor, { id: user._id.toHexString(), roles: user.roles }, roles);
        rolesChanged = roles.join() !== normalizeRoles(user.roles).join();
        if (rolesChanged) set.roles = roles;
      }
      const updated = await withUniqueEmail(() =>
        updateVersioned(users, user._id, input.version, { $set: set }, { resource: 'User', now: ctx.now }),
      );
      auth.forgetUser(input.id);
      await syncEmployeeIdentity(employees, updated, ctx.now);
      const after = await recorded(ctx, rolesChanged ? 'user.roles.change' : 'user.update', user, updated);
      if (rolesChanged) {
        await events.publish('user.roles-changed', {
          ...userEvent(ctx, user._id),
          before: user.roles,
          after: after.roles,
        });
      }
      return after;
    },

    async archive(ctx, input) {
      const user = await loadFor(ctx, 'archive', input.id);
      if (user.status === 'archived') throw new DomainError('INVALID_STATE', 'The user is already archived');
      const updated = await updateVersioned(
        users,
        user._id,
        user.version,
        {
          $set: {
            status: 'archived',
            archivedAt: ctx.now,
            archivedBy: parseId(ctx.actor.id, { resource: 'User' }),
            archiveReason: input.reason,
          },
        },
        { resource: 'User', now: ctx.now, where: { status: 'active' } },
      );
      // At once: the per-request check sees the status, and no session can be refreshed.
      const ended = await auth.endSessions(user._id.toHexString(), 'user-archived', ctx.now);
      await syncEmployeeIdentity(employees, updated, ctx.now);
      const after = await recorded(ctx, 'user.archive', user, updated, { reason: input.reason, sessionsEnded: ended });
      await events.publish('user.archived', { ...userEvent(ctx, user._id), reason: input.reason });
      return after;
    },

    async restore(ctx, id) {
      const user = await loadFor(ctx, 'restore', id);
      if (user.status !== 'archived') throw new DomainError('INVALID_STATE', 'The user is not archived');
      const updated = await updateVersioned(
        users,
        user._id,
        user.version,
        { $set: { status: 'active', archivedAt: null, archivedBy: null, archiveReason: null } },
        { resource: 'User', now: ctx.now, where: { status: 'archived' } },
      );
      auth.forgetUser(id);
      await syncEmployeeIdentity(employees, updated, ctx.now);
      const after = await recorded(ctx, 'user.restore', user, updated);
      await events.publish('user.restored', userEvent(ctx, user._id));
      return after;
    },

    async resetPassword(ctx, input) {
      const user = await loadFor(ctx, 'resetPassword', input.id);
      if (user.status !== 'active') throw new DomainError('INVALID_STATE', 'The user is archived');
      if (input.password === undefined) {
        await auth.sendPasswordReset(ctx, ref(user));
        await audit.record(ctx, {
          action: 'user.password.reset',
          resourceType: 'user',
          resourceId: user._id.toHexString(),
          details: { method: 'email' },
        });
        return { method: 'email', sessionsRevoked: 0 };
      }
      assertPasswordAcceptable(input.password, { email: user.email });
      const passwordHash = await hashPassword(input.password);
      await updateVersioned(
        users,
        user._id,
        user.version,
        { $set: { passwordHash, mustChangePassword: true, passwordChangedAt: ctx.now } },
        { resource: 'User', now: ctx.now },
      );
      await auth.unlock(ref(user));
      const ended = await auth.endSessions(user._id.toHexString(), 'password-reset-by-admin', ctx.now);
      await audit.record(ctx, {
        action: 'user.password.reset',
        resourceType: 'user',
        resourceId: user._id.toHexString(),
        details: { method: 'temporary-password', sessionsEnded: ended },
      });
      return { method: 'temporary-password', sessionsRevoked: ended };
    },

    async unlock(ctx, id) {
      const user = await loadFor(ctx, 'unlock', id);
      await auth.unlock(ref(user));
      await audit.record(ctx, { action: 'user.unlock', resourceType: 'user', resourceId: id });
      return toUserView((await findUserById(users, user._id)) ?? user);
    },

    async invite(ctx, id) {
      const user = await loadFor(ctx, 'update', id);
      if (user.status !== 'active') throw new DomainError('INVALID_STATE', 'The user is archived');
      if (user.passwordHash) throw new DomainError('INVALID_STATE', 'The user already has a password');
      await auth.sendInvite(ctx, ref(user));
      const updated = await updateVersioned(
        users,
        user._id,
        user.version,
        { $set: { invitedAt: ctx.now } },
        { resource: 'User', now: ctx.now },
      );
      await audit.record(ctx, { action: 'user.invite', resourceType: 'user', resourceId: id });
      return toUserView(updated);
    },
  };
}
