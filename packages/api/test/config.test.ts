import { describe, expect, it } from 'vitest';
import { ConfigError, DEV_SECRETS, loadConfig } from '../src/config/config.js';

function problems(env: Record<string, string>): { variable: string; message: string }[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  it('has safe development defaults with nothing set', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      NODE_ENV: 'development',
      HOST: '127.0.0.1',
      PORT: 3000,
      MONGO_DB: 'seed_pms',
      LOG_PRETTY: true,
      COOKIE_SECURE: false,
      STORAGE_DRIVER: 'local',
      TRPC_MAX_BATCH_SIZE: 10,
    });
    expect(config.MONGO_URL).toBeUndefined();
    expect(config.REDIS_URL).toBeUndefined();
  });

  it('reads and coerces values, treating empty strings as unset', () => {
    const config = loadConfig({
      PORT: '8080',
      TRUST_PROXY: 'true',
      CORS_ORIGINS: 'https://a.example, https://b.example',
      MONGO_URL: '',
    });
    expect(config.PORT).toBe(8080);
    expect(config.TRUST_PROXY).toBe(true);
    expect(config.CORS_ORIGINS).toEqual(['https://a.example', 'https://b.example']);
    expect(config.MONGO_URL).toBeUndefined();
  });

  it('names every bad variable at once', () => {
    const found = problems({ PORT: 'eighty', MONGO_URL: 'postgres://x', LOG_LEVEL: 'loud', REDIS_URL: 'nope' });
    expect(found.map((p) => p.variable).sort()).toEqual(['LOG_LEVEL', 'MONGO_URL', 'PORT', 'REDIS_URL']);
    const error = (() => {
      try {
        loadConfig({ PORT: '-1' });
      } catch (e) {
        return e as Error;
      }
    })();
    expect(error?.message).toMatch(/Invalid configuration:\n {2}- PORT: /);
  });

  it('requires the bootstrap admin email and password together, and a strong password', () => {
    expect(problems({ BOOTSTRAP_ADMIN_EMAIL: 'admin@example.com' })).toEqual([
      { variable: 'BOOTSTRAP_ADMIN_PASSWORD', message: expect.stringContaining('together') },
    ]);
    expect(
      problems({ BOOTSTRAP_ADMIN_EMAIL: 'admin@example.com', BOOTSTRAP_ADMIN_PASSWORD: 'short' })[0]?.variable,
    ).toBe('BOOTSTRAP_ADMIN_PASSWORD');
    expect(
      problems({ BOOTSTRAP_ADMIN_EMAIL: 'not-an-email', BOOTSTRAP_ADMIN_PASSWORD: 'long enough password' })[0]
        ?.variable,
    ).toBe('BOOTSTRAP_ADMIN_EMAIL');
  });

  it('needs the S3 settings when the S3 driver is chosen', () => {
    expect(problems({ STORAGE_DRIVER: 's3' }).map((p) => p.variable)).toEqual([
      'S3_BUCKET',
      'S3_ACCESS_KEY_ID',
      'S3_SECRET_ACCESS_KEY',
    ]);
  });

  it('refuses the development secrets in production', () => {
    const found = problems({ NODE_ENV: 'production' });
    expect(found.map((p) => p.variable).sort()).toEqual([
      'COOKIE_SECRET',
      'DATA_ENCRYPTION_KEY',
      'FILE_URL_SECRET',
      'JWT_PRIVATE_KEY',
    ]);
  });

  it('accepts production with real secrets, and with the defaults only when explicitly allowed', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      COOKIE_SECRET: 'c'.repeat(40),
      FILE_URL_SECRET: 'f'.repeat(40),
      DATA_ENCRYPTION_KEY: 'd'.repeat(40),
      JWT_PRIVATE_KEY: '-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----',
    });
    expect(config.COOKIE_SECURE).toBe(true);
    expect(config.LOG_PRETTY).toBe(false);
    const local = loadConfig({ NODE_ENV: 'production', ALLOW_INSECURE_DEFAULTS: 'true' });
    expect(local.COOKIE_SECRET).toBe(DEV_SECRETS.COOKIE_SECRET);
  });
});

describe('.env.example', () => {
  it('lists every variable the configuration reads, and no other', async () => {
    const { readFileSync } = await import('node:fs');
    const { ConfigSchema } = await import('../src/config/config.js');
    const text = readFileSync(new URL('../../../.env.example', import.meta.url), 'utf8');
    const listed = [...text.matchAll(/^#?\s?([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]).sort();
    expect(listed).toEqual(Object.keys(ConfigSchema.in.shape).sort());
  });
});
