import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectDatabase } from '@seed-pms/db';
import { startFerretDb } from '@seed-pms/db/embedded';
import { useTestDatabase } from '@seed-pms/db/testing/vitest';
import argon2 from 'argon2';
import pino from 'pino';
import { describe, expect, inject, it } from 'vitest';
import { buildApp } from '../src/app/build-app.js';
import type { AppDeps } from '../src/app/deps.js';
import { hashPassword, verifyPassword } from '../src/auth/password.js';
import { ensureBootstrapAdmin } from '../src/bootstrap/bootstrap-admin.js';
import { loadConfig } from '../src/config/config.js';
import { chooseDatabase } from '../src/database/embedded.js';
import { createInProcessJobRunner } from '../src/jobs/jobs.js';

const database = useTestDatabase(import.meta.url);
const quiet = { error: () => undefined };

describe('passwords', () => {
  // Regression: argon2 0.45.1's prebuilt binary crashed the process at load on our machines.
  it('argon2 loads and hashes with argon2id at OWASP’s minimum (19 MiB, t=2, p=1)', async () => {
    const hash = await hashPassword('correct horse battery staple');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await verifyPassword(hash, 'correct horse battery staple')).toBe(true);
    expect(await verifyPassword(hash, 'wrong horse battery staple')).toBe(false);
    expect(argon2.needsRehash(hash, { memoryCost: 19_456, timeCost: 2, parallelism: 1 })).toBe(false);
  });
});

describe('the bootstrap admin', () => {
  const deps = (env: Record<string, string>) => ({
    config: loadConfig({ NODE_ENV: 'test', ...env }),
    database: database(),
    clock: () => new Date('2026-01-01T00:00:00Z'),
  });
  const env = { BOOTSTRAP_ADMIN_EMAIL: 'Admin@Example.com', BOOTSTRAP_ADMIN_PASSWORD: 'a long enough secret' };

  it('does nothing when not configured', async () => {
    expect(await ensureBootstrapAdmin(deps({}))).toBe('not-configured');
    expect(await database().collections.users.countDocuments()).toBe(0);
  });

  it('creates one admin on an empty database, even when two instances start together', async () => {
    const outcomes = await Promise.all([ensureBootstrapAdmin(deps(env)), ensureBootstrapAdmin(deps(env))]);
    expect(outcomes.sort()).toEqual(['created', 'users-exist']);
    const users = await database().collections.users.find().toArray();
    expect(users).toHaveLength(1);
    expect(users[0]).toMatchObject({
      email: 'Admin@Example.com',
      emailKey: 'admin@example.com',
      roles: ['admin'],
      status: 'active',
      mustChangePassword: true,
      version: 1,
    });
    expect(await verifyPassword(users[0]?.passwordHash ?? '', 'a long enough secret')).toBe(true);
  });

  it('does nothing once users exist', async () => {
    expect(await ensureBootstrapAdmin(deps({ ...env, BOOTSTRAP_ADMIN_EMAIL: 'other@example.com' }))).toBe(
      'users-exist',
    );
    expect(await database().collections.users.countDocuments()).toBe(1);
  });
});

describe('choosing the database for dev and start', () => {
  it('uses MONGO_URL when it is set', async () => {
    const chosen = await chooseDatabase(loadConfig({ MONGO_URL: inject('mongoUrl') }));
    expect(chosen.url).toBe(inject('mongoUrl'));
    expect(chosen.description).toContain('MONGO_URL');
  });

  it('otherwise starts FerretDB on DATA_DIR, which a second process joins instead of starting another', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'seed-data-'));
    try {
      const config = loadConfig({ DATA_DIR: dir });
      const first = await chooseDatabase(config);
      expect(first.description).toContain('FerretDB (embedded');
      const lock = JSON.parse(readFileSync(join(dir, 'ferretdb', 'server.json'), 'utf8'));
      expect(lock).toEqual({ pid: process.pid, url: first.url });
      const second = await chooseDatabase(config);
      expect(second.url).toBe(first.url);
      expect(second.description).toContain('shared');
      const db = await connectDatabase({ url: first.url, dbName: 'seed_pms' });
      expect(db.kind).toBe('ferretdb');
      await db.close();
      await second.stop();
      await first.stop();
      expect(() => readFileSync(join(dir, 'ferretdb', 'server.json'))).toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('readiness when the database goes away', () => {
  it('answers 503 SERVICE_UNAVAILABLE within a few seconds, then 200 once it is back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'seed-ready-'));
    const server = await startFerretDb({ dataDir: dir });
    const db = await connectDatabase({ url: server.url, dbName: 'ready', serverSelectionTimeoutMS: 1_000 });
    const deps: AppDeps = {
      config: loadConfig({ NODE_ENV: 'test' }),
      database: db,
      redis: null,
      jobs: createInProcessJobRunner(quiet),
      clock: () => new Date(),
      logger: pino({ level: 'silent' }),
    };
    const app = await buildApp(deps, { logger: false });
    try {
      expect((await app.inject({ method: 'GET', url: '/api/v1/health/ready' })).statusCode).toBe(200);
      await server.stop();
      const started = Date.now();
      const down = await app.inject({ method: 'GET', url: '/api/v1/health/ready' });
      expect(Date.now() - started).toBeLessThan(4_000);
      expect(down.statusCode).toBe(503);
      expect(down.json().error).toMatchObject({
        code: 'SERVICE_UNAVAILABLE',
        details: { checks: { database: 'down' } },
      });
      const live = await app.inject({ method: 'GET', url: '/api/v1/health/live' });
      expect(live.statusCode).toBe(200);
      const back = await startFerretDb({ dataDir: dir, port: server.port });
      try {
        let status = 0;
        for (let i = 0; i < 40 && status !== 200; i += 1) {
          status = (await app.inject({ method: 'GET', url: '/api/v1/health/ready' })).statusCode;
          if (status !== 200) await new Promise((r) => setTimeout(r, 250));
        }
        expect(status).toBe(200);
      } finally {
        await back.stop();
      }
    } finally {
      await app.close();
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
