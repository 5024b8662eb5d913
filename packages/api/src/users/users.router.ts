import {
  AdminResetPasswordInput,
  AdminResetPasswordView,
  ArchiveUserInput,
  CreateUserInput,
  ListUsersQuery,
  pageOf,
  UpdateUserInput,
  UserIdInput,
  UserView,
} from '@seed-pms/domain';
import { authedProcedure, idempotent, router } from '../trpc/trpc.js';

const tags = ['users'];

export const usersRouter = router({
  list: authedProcedure
    .meta({
      access: { action: 'read', subject: 'User' },
      openapi: { method: 'GET', path: '/users', tags, summary: 'Users, filtered and paginated (Admin, HR)' },
    })
    .input(ListUsersQuery)
    .output(pageOf(UserView))
    .query(({ ctx, input }) => ctx.services.users.list(ctx, input)),

  create: authedProcedure
    .meta({
      access: { action: 'create', subject: 'User' },
      openapi: {
        method: 'POST',
        successStatus: 201,
        path: '/users',
        tags,
        summary: 'Create a user: sends an invite, or sets an initial password to change at first login',
      },
    })
    .input(CreateUserInput)
    .output(UserView)
    .mutation(idempotent(({ ctx, input }) => ctx.services.users.create(ctx, input))),

  get: authedProcedure
    .meta({
      access: { action: 'read', subject: 'User' },
      openapi: { method: 'GET', path: '/users/{id}', tags, summary: 'A user' },
    })
    .input(UserIdInput)
    .output(UserView)
    .query(({ ctx, input }) => ctx.services.users.get(ctx, input.id)),

  update: authedProcedure
    .meta({
      access: { action: 'update', subject: 'User' },
      openapi: { method: 'PATCH', path: '/users/{id}', tags, summary: 'Change name, email or roles (with version)' },
    })
    .input(UpdateUserInput)
    .output(UserView)
    .mutation(({ ctx, input }) => ctx.services.users.update(ctx, input)),

  archive: authedProcedure
    .meta({
      access: { action: 'archive', subject: 'User' },
      openapi: {
        method: 'POST',
        path: '/users/{id}/archive',
        tags,
        summary: 'Archive a user: ends every session at once',
      },
    })
    .input(ArchiveUserInput)
    .output(UserView)
    .mutation(({ ctx, input }) => ctx.services.users.archive(ctx, input)),

  restore: authedProcedure
    .meta({
      access: { action: 'restore', subject: 'User' },
      openapi: { method: 'POST', path: '/users/{id}/restore', tags, summary: 'Restore an archived user' },
    })
    .input(UserIdInput)
    .output(UserView)
    .mutation(({ ctx, input }) => ctx.services.users.restore(ctx, input.id)),

  resetPassword: authedProcedure
    .meta({
      access: { action: 'resetPassword', subject: 'User' },
      openapi: {
        method: 'POST',
        path: '/users/{id}/reset-password',
        tags,
        summary: 'Email a reset link, or set a temporary password (ends their sessions)',
      },
    })
    .input(AdminResetPasswordInput)
    .output(AdminResetPasswordView)
    .mutation(({ ctx, input }) => ctx.services.users.resetPassword(ctx, input)),

  unlock: authedProcedure
    .meta({
      access: { action: 'unlock', subject: 'User' },
      openapi: { method: 'POST', path: '/users/{id}/unlock', tags, summary: 'Lift a lockout after failed sign-ins' },
    })
    .input(UserIdInput)
    .output(UserView)
    .mutation(({ ctx, input }) => ctx.services.users.unlock(ctx, input.id)),

  invite: authedProcedure
    .meta({
      access: { action: 'update', subject: 'User' },
      openapi: { method: 'POST', path: '/users/{id}/invite', tags, summary: 'Send the invite again' },
    })
    .input(UserIdInput)
    .output(UserView)
    .mutation(({ ctx, input }) => ctx.services.users.invite(ctx, input.id)),
});
