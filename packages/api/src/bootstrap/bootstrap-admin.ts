import { createRepositories } from '@seed-pms/db';
import { isDomainError } from '@seed-pms/domain';
import type { AppDeps } from '../app/deps.js';
import { hashPassword } from '../auth/password.js';

export type BootstrapOutcome = 'created' | 'not-configured' | 'users-exist';

/**
 * On an empty database, creates the first admin from BOOTSTRAP_ADMIN_EMAIL and
 * BOOTSTRAP_ADMIN_PASSWORD. Runs at every start and does nothing once any user
 * exists; two instances starting together create one admin, since the unique
 * email index refuses the second.
 */
export async function ensureBootstrapAdmin(
  deps: Pick<AppDeps, 'config' | 'database' | 'clock'>,
): Promise<BootstrapOutcome> {
  const { BOOTSTRAP_ADMIN_EMAIL: email, BOOTSTRAP_ADMIN_PASSWORD: password } = deps.config;
  if (!email || !password) return 'not-configured';
  const { users } = createRepositories(deps.database);
  if ((await users.count()) > 0) return 'users-exist';
  try {
    await users.insertAccount(
      {
        email,
        name: 'Administrator',
        roles: ['admin'],
        passwordHash: await hashPassword(password),
        // The password came through the environment: the admin sets their own at first login.
        mustChangePassword: true,
      },
      deps.clock(),
    );
    return 'created';
  } catch (error) {
    if (isDomainError(error) && error.code === 'ALREADY_EXISTS') return 'users-exist';
    throw error;
  }
}
