import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { createRepositories, type Database } from '@seed-pms/db';
import cliProgress from 'cli-progress';
import pino from 'pino';
import { openRuntime } from '../app/runtime.js';
import { hashPassword } from '../auth/password.js';
import { ensureBootstrapAdmin } from '../bootstrap/bootstrap-admin.js';
import { loadConfig, loadDotEnv } from '../config/config.js';
import { createServices, serviceInternals } from '../services.js';
import { seedApprovals } from './seed-approvals.js';
import { seedAttendance } from './seed-attendance.js';
import {
  DEFAULT_SEED,
  DEFAULT_SEED_COUNT,
  DEMO_PASSWORD,
  MIN_SEED_COUNT,
  SEED_EMAIL_DOMAIN,
  seedOrganisation,
} from './seed-data.js';
import { seedExpenses } from './seed-expenses.js';
import { seedLeave } from './seed-leave.js';
import { seedMessages } from './seed-messages.js';

/**
 * `pnpm seed`: fills the database the server uses (MONGO_URL, else the offline
 * FerretDB) with a demo organisation (see seed-data.ts) and prints one login
 * per role. It refuses a database that already holds people other than the
 * bootstrap admin, so a real installation is never mixed with demo data by
 * accident.
 *
 *   --count N   people to create (default 400)
 *   --seed S    PRNG seed: the same count and seed give the same people
 *   --force     add to a database that already has people (never deletes)
 *   --reset     drop the whole (demo) database first, after a warning;
 *               refused in production
 *   --yes       skip the pause before --reset drops anything
 */
const USAGE = `Usage: pnpm seed [--count N] [--seed S] [--force] [--reset [--yes]]
  --count N  people to create (default ${DEFAULT_SEED_COUNT}, at least ${MIN_SEED_COUNT})
  --seed S   PRNG seed (default ${DEFAULT_SEED}); the same count and seed give the same people
  --force    add to a database that already has people (nothing is deleted)
  --reset    drop the whole (demo) database first; refused with NODE_ENV=production
  --yes      with --reset: do not pause before dropping`;

function fail(message: string): never {
  console.error(`${message}\n\n${USAGE}`);
  process.exit(2);
}

function integerOption(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < 0) fail(`--${name} must be a whole number, not "${value}"`);
  return parsed;
}

function parseOptions() {
  // `pnpm seed -- --count 10` passes the separator on.
  const args = process.argv.slice(2).filter((arg, index) => !(index === 0 && arg === '--'));
  try {
    return parseArgs({
      args,
      options: {
        count: { type: 'string' },
        seed: { type: 'string' },
        force: { type: 'boolean', default: false },
        reset: { type: 'boolean', default: false },
        yes: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }).values;
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error));
  }
}

const parsed = parseOptions();
if (parsed.help) {
  console.log(USAGE);
  process.exit(0);
}
const count = integerOption(parsed.count, 'count', DEFAULT_SEED_COUNT);
const seed = integerOption(parsed.seed, 'seed', DEFAULT_SEED);
if (count < MIN_SEED_COUNT) fail(`--count must be at least ${MIN_SEED_COUNT}`);

/** Accounts other than the bootstrap admin: a database with any is in use. */
function otherAccounts(database: Database, bootstrapEmail: string | undefined): Promise<number> {
  return createRepositories(database).employees.countAccounts(bootstrapEmail);
}

/**
 * Starts over: drops the whole database (a demo database; production refuses
 * this), then recreates the indexes and the bootstrap admin.
 */
async function reset(database: Database, production: boolean): Promise<void> {
  if (production) fail('--reset is refused with NODE_ENV=production');
  console.warn(`\n  WARNING: --reset drops the whole database ${database.name}: every account`);
  console.warn('  (but the bootstrap admin, made again), profile, catalog item, file record and audit entry.');
  console.warn('  A server running on this database should be restarted afterwards.\n');
  if (!parsed.yes && process.stdin.isTTY) {
    for (let left = 5; left > 0; left -= 1) {
      process.stderr.write(`\r  Dropping in ${left} s (Ctrl-C to abort)… `);
      await sleep(1_000);
    }
    process.stderr.write('\n');
  }
  await database.reset();
}

function printLogins(logins: { role: string; email: string; name: string; designation: string }[]): void {
  const rows = [
    ['role', 'email', 'name', 'designation'],
    ...logins.map((l) => [l.role, l.email, l.name, l.designation]),
  ];
  const widths = [0, 1, 2, 3].map((column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  const line = (row: string[]) =>
    `  ${row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ')}`.trimEnd();
  console.log('\nDemo logins:\n');
  console.log(line(rows[0] as string[]));
  console.log(`  ${widths.map((width) => '-'.repeat(width)).join('  ')}`);
  for (const row of rows.slice(1)) console.log(line(row));
  console.log(`\n  Password of every seeded account: ${DEMO_PASSWORD}`);
  console.log('  Seeded accounts do not need to change it at first sign-in.');
  console.log('  (HR and admin accounts are asked to enrol in MFA if the security settings require it.)');
}

loadDotEnv();
const config = loadConfig();
const runtime = await openRuntime(config, pino({ level: 'warn' }));
try {
  const { database } = runtime.deps;
  console.log(`Database: ${runtime.database.description}`);
  let refused = false;
  if (parsed.reset) {
    await reset(database, config.NODE_ENV === 'production');
    await ensureBootstrapAdmin(runtime.deps);
  } else if (!parsed.force) {
    const others = await otherAccounts(database, config.BOOTSTRAP_ADMIN_EMAIL);
    if (others > 0) {
      console.error(
        `The database already has ${others} account(s) besides the bootstrap admin; seeding now would mix ` +
          'demo people into it.\nRun with --force to add to it anyway (nothing is deleted), or --reset to start over.',
      );
      process.exitCode = 1;
      refused = true;
    }
  }
  if (!refused) {
    const started = performance.now();
    const passwordHash = await hashPassword(DEMO_PASSWORD);
    const bar = new cliProgress.SingleBar(
      { format: 'Seeding |{bar}| {value}/{total} people | {duration_formatted}', hideCursor: true },
      cliProgress.Presets.shades_classic,
    );
    const result = await seedOrganisation(database, {
      count,
      seed,
      passwordHash,
      dataKeys: config,
      onProgress(done, total) {
        if (done === 0) bar.start(total, 0);
        else bar.update(done);
      },
    }).finally(() => bar.stop());
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(
      `\nCreated ${result.employeeIds.length} people (@${SEED_EMAIL_DOMAIN}, seed ${seed}) in ${seconds} s: ` +
        result.departments.map((d) => `${d.name} ${d.employees}`).join(', '),
    );
    console.log(
      `Catalogs: ${result.skills.length} skills, ${result.hobbies.length} hobbies, ${result.designations.length} designations.`,
    );
    console.log(
      `Projects: ${result.projects.projects} with ${result.projects.allocations} allocations; ${result.projects.overAllocated} people above 100% (the red halo).`,
    );
    const repos = createRepositories(database);
    const adminEmail = result.logins.find((l) => l.role === 'admin')?.email;
    const adminId = adminEmail ? (await repos.users.byEmail(adminEmail))?.id : undefined;
    if (adminId) {
      const approvals = await seedApprovals(
        await createServices(runtime.deps),
        repos,
        {
          employeeIds: result.employeeIds,
          adminId,
        },
        { seed, now: new Date() },
      );
      const r = approvals.requests;
      console.log(
        `Work location: ${r.pending + r.approved + r.rejected + r.cancelled} requests (${r.pending} pending, ${r.approved} approved, ${r.rejected} rejected, ${r.cancelled} cancelled); strict policy: WFH over 5 working days needs the Manager, then HR.`,
      );
      const hrEmail = result.logins.find((l) => l.role === 'hr')?.email;
      const hrId = hrEmail ? (await repos.users.byEmail(hrEmail))?.id : undefined;
      if (hrId) {
        const leave = await seedLeave(
          await createServices(runtime.deps),
          (await serviceInternals(runtime.deps)).leave,
          repos,
          { employeeIds: result.employeeIds, adminId, hrId },
          { seed, now: new Date() },
        );
        const l = leave.requests;
        console.log(
          `Leave: ${l.pending + l.approved + l.rejected + l.cancelled} requests (${l.pending} pending, ${l.approved} approved, ${l.rejected} rejected, ${l.cancelled} cancelled); ` +
            `${leave.accrual.credited} accrual credits, ${leave.adjustments} HR adjustments; ` +
            (leave.calendarCreated
              ? `holiday calendar with ${leave.holidays} days.`
              : 'the holiday calendar there already kept.'),
        );
      }
      const attendance = await seedAttendance(
        await createServices(runtime.deps),
        repos,
        { employeeIds: result.employeeIds },
        { seed, now: new Date() },
      );
      const c = attendance.corrections;
      console.log(
        `Attendance: ${attendance.days} days over the last 60 (${attendance.missingCheckouts} without a check-out, ${attendance.workingNow} at work now); ` +
          `${c.pending + c.approved + c.rejected + c.cancelled} corrections (${c.pending} pending, ${c.approved} approved, ${c.rejected} rejected, ${c.cancelled} cancelled).`,
      );
      const expenses = await seedExpenses(
        await createServices(runtime.deps),
        repos,
        { employeeIds: result.employeeIds },
        { seed, now: new Date() },
      );
      const e = expenses.claims;
      console.log(
        `Expenses: ${Object.values(e).reduce((a, b) => a + b, 0)} claims with ${expenses.receipts} receipts (` +
          `${e.draft} drafts, ${e.submitted} submitted, ${e.financeApproved} approved by Finance, ${e.approved} approved, ` +
          `${e.reimbursed} reimbursed, ${e.rejected} rejected, ${e.cancelled} cancelled).`,
      );
      const focusIds = (await Promise.all(result.logins.map((l) => repos.users.byEmail(l.email)))).flatMap((u) =>
        u ? [u.id] : [],
      );
      const messages = await seedMessages(
        await createServices(runtime.deps),
        repos,
        { employeeIds: result.employeeIds, focusIds },
        { seed, now: new Date() },
      );
      console.log(
        `Messages: ${messages.threads} threads with ${messages.messages} messages over the last two weeks (${messages.unreadThreads} left with unread messages; each demo login has five).`,
      );
    }
    printLogins(result.logins);
    if (config.BOOTSTRAP_ADMIN_EMAIL) {
      console.log(`  The bootstrap admin (${config.BOOTSTRAP_ADMIN_EMAIL}) keeps its own password.`);
    }
  }
} finally {
  await runtime.close();
}
process.exit();
