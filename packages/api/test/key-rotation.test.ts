import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { createRepositories } from '@seed-pms/db';
import type { JobCounts, JobRunView } from '@seed-pms/domain';
import { generate } from 'otplib';
import { beforeAll, describe, expect, it } from 'vitest';
import { resealAll, sealedFields } from '../src/auth/sealed-fields.js';
import { dataBox, keyIdOf } from '../src/auth/secrets.js';
import { ConfigError, DEV_SECRETS, loadConfig } from '../src/config/config.js';
import { SECRETS_RESEAL_JOB } from '../src/jobs/schedule.js';
import {
  bearer,
  callAs,
  createUser,
  login,
  type Session,
  type SignedIn,
  signInAgain,
  signInAs,
} from './auth-helpers.js';
import { type TestApp, useTestApp } from './support.js';

const KEY_A = 'key-a-rotation-test-0123456789abcdefghijklmnop';
const KEY_B = 'key-b-rotation-test-0123456789abcdefghijklmnop';
const KID_A = keyIdOf(KEY_A);
const KID_B = keyIdOf(KEY_B);

// One database, three deployments of it: before the rotation (A), during it
// (B, A kept for reading), and after the old key was dropped (B only).
// The webhook's target is never called (nothing it subscribes to happens); loopback so creating it resolves offline.
const appA = useTestApp(import.meta.url, {
  env: { DATA_ENCRYPTION_KEY: KEY_A, WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' },
});
const appB = useTestApp(import.meta.url, {
  sameDatabaseAs: appA,
  env: { DATA_ENCRYPTION_KEY: KEY_B, DATA_ENCRYPTION_KEYS_PREVIOUS: KEY_A },
});
const appC = useTestApp(import.meta.url, { sameDatabaseAs: appA, env: { DATA_ENCRYPTION_KEY: KEY_B } });
const repos = () => createRepositories(appA().database);

/** The code an authenticator shows `offsetSeconds` from now. */
const codeAt = (secret: string, offsetSeconds = 0) =>
  generate({ secret, epoch: Math.floor(Date.now() / 1000) + offsetSeconds });

/** A value in the format sealed before key ids existed (v1), made independently of secrets.ts. */
function sealV1(keyMaterial: string, plain: string): string {
  const key = createHash('sha256').update(`seed-pms:data-encryption:${keyMaterial}`).digest();
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return ['v1', iv, cipher.getAuthTag(), body]
    .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
    .join('.');
}

const kidOf = (sealed: string | null | undefined) => sealed?.split('.')[1];

async function enrolMfa(app: TestApp, session: Session, confirm = true): Promise<string> {
  const enrolled = await app.app.inject({ method: 'POST', url: '/api/v1/auth/mfa/enroll', headers: bearer(session) });
  expect(enrolled.statusCode, enrolled.body).toBe(200);
  const { secret } = enrolled.json() as { secret: string };
  if (confirm) {
    const confirmed = await app.app.inject({
      method: 'POST',
      url: '/api/v1/auth/mfa/confirm',
      headers: bearer(session),
      payload: { code: await codeAt(secret, -30) },
    });
    expect(confirmed.statusCode, confirmed.body).toBe(200);
  }
  return secret;
}

async function profileOf(app: TestApp, session: Session, id: string) {
  const response = await callAs(app.app, session, 'GET', `/employees/${id}`);
  expect(response.statusCode, response.body).toBe(200);
  return response.json() as { version: number; personal?: Record<string, unknown> };
}

async function savePersonal(app: TestApp, hr: Session, id: string, personal: Record<string, unknown>) {
  const { version } = await profileOf(app, hr, id);
  const response = await callAs(app.app, hr, 'PATCH', `/employees/${id}`, { version, personal });
  expect(response.statusCode, response.body).toBe(200);
}

/** Enqueues the re-seal job on `app` and answers the counts of its run, as an admin sees them. */
async function runReseal(app: TestApp, admin: Session): Promise<JobCounts> {
  const runs = async () => {
    const response = await callAs(app.app, admin, 'GET', `/admin/jobs?name=${SECRETS_RESEAL_JOB}&limit=100`);
    expect(response.statusCode, response.body).toBe(200);
    return (response.json() as { items: JobRunView[] }).items;
  };
  const before = (await runs()).length;
  await app.deps.jobs.enqueue(SECRETS_RESEAL_JOB);
  const deadline = Date.now() + 20_000;
  for (;;) {
    const items = await runs();
    const [latest] = items;
    if (items.length > before && latest && latest.outcome !== 'running') {
      expect(latest.outcome, latest.error ?? '').toBe('succeeded');
      return latest.counts ?? {};
    }
    if (Date.now() > deadline) throw new Error('the re-seal job did not finish in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('rotating DATA_ENCRYPTION_KEY', () => {
  let hrA: SignedIn;
  let adminA: SignedIn;
  let adminB: SignedIn;

  beforeAll(async () => {
    hrA = await signInAs(appA(), ['hr']);
    adminA = await signInAs(appA(), ['admin']);
    adminB = await signInAs(appB(), ['admin']);
  });

  it('what key A sealed reads under B with A kept, re-seals to B, and then reads with B alone', async () => {
    // Under key A: an MFA enrolment, a pending one, personal data, and a value from before key ids (v1).
    const person = await createUser(appA());
    const personId = person._id.toHexString();
    const secret = await enrolMfa(appA(), await login(appA().app, person.email));
    await savePersonal(appA(), hrA, personId, { homeAddress: '1 Main St' });
    const enrolling = await createUser(appA());
    const pendingSecret = await enrolMfa(appA(), await login(appA().app, enrolling.email), false);
    const legacy = await createUser(appA());
    const legacyId = legacy._id.toHexString();
    await appA().database.collections.employees.updateOne(
      { _id: legacy._id },
      { $set: { personal: sealV1(KEY_A, JSON.stringify({ homeAddress: '2 Old Road' })) } },
    );
    const webhookSecret = 'a-webhook-secret-sealed-under-key-a-0123';
    const hook = await callAs(appA().app, adminA, 'POST', '/admin/webhooks', {
      url: 'http://127.0.0.1:9/hook',
      events: ['user.archived'],
      secret: webhookSecret,
    });
    expect(hook.statusCode, hook.body).toBe(201);
    const hookId = (hook.json() as { id: string }).id;
    const storedHookSecret = () => repos().webhooks.sealedSecretOf(hookId);

    const { users, employees } = appA().database.collections;
    expect(kidOf((await users.findOne({ _id: person._id }))?.mfa?.secret)).toBe(KID_A);
    expect(kidOf((await users.findOne({ _id: enrolling._id }))?.mfa?.pendingSecret)).toBe(KID_A);
    expect(kidOf((await employees.findOne({ _id: person._id }))?.personal)).toBe(KID_A);
    expect(kidOf(await storedHookSecret())).toBe(KID_A);

    // Key B current, A kept for reading: sign-in with MFA and the profiles still work.
    const signedIn = await appB().app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: person.email, password: 'correct horse battery staple', mfaCode: await codeAt(secret) },
    });
    expect(signedIn.statusCode, signedIn.body).toBe(200);
    const hrB = await signInAgain(appB().app, hrA);
    const beforeReseal = await profileOf(appB(), hrB, personId);
    expect(beforeReseal.personal).toEqual({ homeAddress: '1 Main St' });
    expect((await profileOf(appB(), hrB, legacyId)).personal).toEqual({ homeAddress: '2 Old Road' });

    // The job re-seals every value under B, and says how many per source.
    const counts = await runReseal(appB(), adminB);
    expect(counts).toMatchObject({
      unreadable: 0,
      userMfaSecrets_resealed: 1,
      userMfaSecrets_unreadable: 0,
      userPendingMfaSecrets_resealed: 1,
      employeePersonalData_resealed: 2,
      employeePersonalData_changed: 0,
      webhookSecrets_resealed: 1,
    });
    expect(counts.resealed).toBeGreaterThanOrEqual(4);
    expect(kidOf((await users.findOne({ _id: person._id }))?.mfa?.secret)).toBe(KID_B);
    expect(kidOf((await users.findOne({ _id: enrolling._id }))?.mfa?.pendingSecret)).toBe(KID_B);
    expect(kidOf((await employees.findOne({ _id: person._id }))?.personal)).toBe(KID_B);
    expect(kidOf((await employees.findOne({ _id: legacy._id }))?.personal)).toBe(KID_B);
    expect(kidOf(await storedHookSecret())).toBe(KID_B);
    // Through the repositories too: nothing stored is left under another key.
    const box = dataBox(appB().deps.config);
    for (const field of sealedFields(repos())) {
      const values = await field.list(null, 10_000);
      expect(
        values.filter((v) => box.needsReseal(v.sealed)).map((v) => v.id),
        field.name,
      ).toEqual([]);
    }
    // The re-seal is bookkeeping: the profile's version did not move.
    expect((await profileOf(appB(), hrB, personId)).version).toBe(beforeReseal.version);

    // A run finds nothing left to do.
    expect(await runReseal(appB(), adminB)).toMatchObject({ resealed: 0, unreadable: 0 });

    // Key A dropped: everything still reads, the MFA sign-in and the pending enrolment work.
    const again = await appC().app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: person.email, password: 'correct horse battery staple', mfaCode: await codeAt(secret, 30) },
    });
    expect(again.statusCode, again.body).toBe(200);
    const hrC = await signInAgain(appC().app, hrA);
    expect((await profileOf(appC(), hrC, personId)).personal).toEqual({ homeAddress: '1 Main St' });
    expect((await profileOf(appC(), hrC, legacyId)).personal).toEqual({ homeAddress: '2 Old Road' });
    const enrollingSession = await login(appC().app, enrolling.email);
    const confirmed = await appC().app.inject({
      method: 'POST',
      url: '/api/v1/auth/mfa/confirm',
      headers: bearer(enrollingSession),
      payload: { code: await codeAt(pendingSecret) },
    });
    expect(confirmed.statusCode, confirmed.body).toBe(200);
    // The webhook still signs with the secret it was given.
    expect(dataBox(appC().deps.config).open((await storedHookSecret()) ?? '')).toBe(webhookSecret);
  });

  it('a value sealed under a key nobody has any more is counted unreadable and left as it is', async () => {
    const person = await createUser(appA());
    const lost = sealV1('a-key-that-was-never-configured-0123456789', JSON.stringify({ homeAddress: 'gone' }));
    await appA().database.collections.employees.updateOne({ _id: person._id }, { $set: { personal: lost } });
    const counts = await runReseal(appB(), adminB);
    expect(counts).toMatchObject({ unreadable: 1, employeePersonalData_unreadable: 1 });
    expect((await appA().database.collections.employees.findOne({ _id: person._id }))?.personal).toBe(lost);
    await appA().database.collections.employees.updateOne({ _id: person._id }, { $set: { personal: null } });
  });

  it('an update of personal data made while the re-seal runs is never lost', async () => {
    const hrB = await signInAgain(appB().app, hrA);
    const person = await createUser(appA());
    const personId = person._id.toHexString();
    await savePersonal(appA(), hrA, personId, { homeAddress: 'before' });

    // Deterministically: the update lands between the job's read and its conditional write.
    const fields = sealedFields(repos()).map((field) =>
      field.name !== 'employeePersonalData'
        ? field
        : {
            ...field,
            async replace(id: string, from: string, to: string) {
              if (id === personId) await savePersonal(appB(), hrB, personId, { homeAddress: 'during' });
              return field.replace(id, from, to);
            },
          },
    );
    const counts = await resealAll(dataBox(appB().deps.config), fields);
    expect(counts).toMatchObject({ employeePersonalData_changed: 1, unreadable: 0 });
    expect((await profileOf(appB(), hrB, personId)).personal).toEqual({ homeAddress: 'during' });
    expect(kidOf((await appA().database.collections.employees.findOne({ _id: person._id }))?.personal)).toBe(KID_B);

    // And concurrently, many people at once: every update is kept.
    const people = await Promise.all(Array.from({ length: 6 }, () => createUser(appA())));
    const ids = people.map((p) => p._id.toHexString());
    for (const id of ids) await savePersonal(appA(), hrA, id, { homeAddress: `old ${id}` });
    await Promise.all([
      runReseal(appB(), adminB),
      ...ids.map((id) => savePersonal(appB(), hrB, id, { homeAddress: `new ${id}` })),
    ]);
    for (const id of ids) {
      expect((await profileOf(appB(), hrB, id)).personal).toEqual({ homeAddress: `new ${id}` });
    }
    expect(await runReseal(appB(), adminB)).toMatchObject({ resealed: 0, unreadable: 0 });
  });

  it('sign-ins with MFA while the re-seal runs all succeed', async () => {
    const people = await Promise.all(Array.from({ length: 8 }, () => createUser(appA())));
    const secrets = await Promise.all(people.map(async (p) => enrolMfa(appA(), await login(appA().app, p.email))));
    const signIns = people.map(async (p, i) =>
      appB().app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: p.email, password: 'correct horse battery staple', mfaCode: await codeAt(secrets[i] ?? '') },
      }),
    );
    const [counts, ...answers] = await Promise.all([runReseal(appB(), adminB), ...signIns]);
    expect(answers.map((a) => a.statusCode)).toEqual(people.map(() => 200));
    expect(counts).toMatchObject({ unreadable: 0 });
    for (const p of people) {
      const stored = await appA().database.collections.users.findOne({ _id: p._id });
      expect(kidOf(stored?.mfa?.secret)).toBe(KID_B);
      // The step the sign-in used is recorded: the same code cannot sign in again.
      expect(stored?.mfa?.lastUsedStep).toEqual(expect.any(Number));
    }
  });

  it('MFA enrolments confirmed while the re-seal runs are all turned on', async () => {
    const people = await Promise.all(Array.from({ length: 8 }, () => createUser(appA())));
    const started = await Promise.all(
      people.map(async (p) => {
        const session = await login(appA().app, p.email);
        return {
          secret: await enrolMfa(appA(), session, false),
          session: await login(appB().app, p.email),
        };
      }),
    );
    const confirms = started.map(async ({ secret, session }) =>
      appB().app.inject({
        method: 'POST',
        url: '/api/v1/auth/mfa/confirm',
        headers: bearer(session),
        payload: { code: await codeAt(secret) },
      }),
    );
    const [counts, ...answers] = await Promise.all([runReseal(appB(), adminB), ...confirms]);
    expect(answers.map((a) => a.statusCode)).toEqual(people.map(() => 200));
    expect(counts).toMatchObject({ unreadable: 0 });
    for (const p of people) {
      const stored = await appA().database.collections.users.findOne({ _id: p._id });
      expect(stored?.mfa?.enabled).toBe(true);
      expect(kidOf(stored?.mfa?.secret)).toBe(KID_B);
    }
  });

  it('the job is registered to run daily', async () => {
    const response = await callAs(appB().app, adminB, 'GET', '/admin/jobs/registered');
    expect(response.statusCode).toBe(200);
    expect(response.json().items).toContainEqual({ name: SECRETS_RESEAL_JOB, everyMs: 86_400_000 });
  });
});

describe('DATA_ENCRYPTION_KEYS_PREVIOUS', () => {
  const problems = (env: Record<string, string>) => {
    try {
      loadConfig({ NODE_ENV: 'test', ...env });
    } catch (error) {
      if (error instanceof ConfigError) return error.problems;
      throw error;
    }
    return [];
  };

  it('is a comma-separated list of keys, empty by default', () => {
    expect(loadConfig({ NODE_ENV: 'test' }).DATA_ENCRYPTION_KEYS_PREVIOUS).toEqual([]);
    expect(
      loadConfig({
        NODE_ENV: 'test',
        DATA_ENCRYPTION_KEY: KEY_B,
        DATA_ENCRYPTION_KEYS_PREVIOUS: ` ${KEY_A} , ${'c'.repeat(32)},`,
      }).DATA_ENCRYPTION_KEYS_PREVIOUS,
    ).toEqual([KEY_A, 'c'.repeat(32)]);
  });

  it('refuses short keys, the current key and a key listed twice, without printing any key', () => {
    const short = problems({ DATA_ENCRYPTION_KEYS_PREVIOUS: `${KEY_A},too-short-a-key` });
    expect(short).toEqual([
      { variable: 'DATA_ENCRYPTION_KEYS_PREVIOUS', message: 'key 2 of 2 is shorter than 32 characters' },
    ]);
    const current = problems({ DATA_ENCRYPTION_KEY: KEY_B, DATA_ENCRYPTION_KEYS_PREVIOUS: KEY_B });
    expect(current).toEqual([
      {
        variable: 'DATA_ENCRYPTION_KEYS_PREVIOUS',
        message: 'key 1 of 1 is DATA_ENCRYPTION_KEY itself (list only retired keys)',
      },
    ]);
    const twice = problems({ DATA_ENCRYPTION_KEY: KEY_B, DATA_ENCRYPTION_KEYS_PREVIOUS: `${KEY_A},${KEY_A}` });
    expect(twice).toEqual([{ variable: 'DATA_ENCRYPTION_KEYS_PREVIOUS', message: 'key 2 of 2 is listed twice' }]);
    for (const found of [short, current, twice]) {
      expect(JSON.stringify(found)).not.toContain(KEY_A);
      expect(JSON.stringify(found)).not.toContain(KEY_B);
    }
    try {
      loadConfig({ NODE_ENV: 'test', DATA_ENCRYPTION_KEYS_PREVIOUS: 'short' });
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).toContain('DATA_ENCRYPTION_KEYS_PREVIOUS: key 1 of 1 is shorter than 32');
    }
  });

  it('production still refuses the development DATA_ENCRYPTION_KEY, with or without previous keys', () => {
    const production = {
      NODE_ENV: 'production',
      COOKIE_SECRET: 'c'.repeat(40),
      FILE_URL_SECRET: 'f'.repeat(40),
      JWT_PRIVATE_KEY: '-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----',
    };
    expect(problems({ ...production, DATA_ENCRYPTION_KEYS_PREVIOUS: KEY_A }).map((p) => p.variable)).toEqual([
      'DATA_ENCRYPTION_KEY',
    ]);
    // Moving off the placeholder: it may be kept for reading while the job re-seals.
    const moving = loadConfig({
      ...production,
      DATA_ENCRYPTION_KEY: KEY_B,
      DATA_ENCRYPTION_KEYS_PREVIOUS: DEV_SECRETS.DATA_ENCRYPTION_KEY,
    });
    expect(moving.DATA_ENCRYPTION_KEYS_PREVIOUS).toEqual([DEV_SECRETS.DATA_ENCRYPTION_KEY]);
  });
});
