import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';

/**
 * The whole configuration, read once from the environment. Every variable is
 * listed in .env.example and the README. Development defaults make `pnpm dev`
 * work with nothing set; production refuses the development secrets unless
 * ALLOW_INSECURE_DEFAULTS=true (for running a production build locally).
 */

/** Placeholder secrets: safe to commit because production refuses them. */
export const DEV_SECRETS = {
  COOKIE_SECRET: 'dev-only-cookie-secret-change-me-0123456789abcdef',
  FILE_URL_SECRET: 'dev-only-file-url-secret-change-me-0123456789abcdef',
  DATA_ENCRYPTION_KEY: 'dev-only-data-encryption-key-change-me-0123456789',
} as const;

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const csv = z.string().transform((v) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);

const port = z.coerce.number().int().min(0).max(65_535);
const positiveInt = z.coerce.number().int().min(1);

const url = (protocols: string[]) =>
  z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}` },
  );

export const ConfigSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    HOST: z.string().min(1).default('127.0.0.1'),
    PORT: port.default(3000),
    /** Public base URL, used in links sent by email and in signed file URLs. */
    PUBLIC_URL: url(['http:', 'https:']).optional(),
    /** The frontend's base URL: links in emails (password reset, invites) point there. */
    APP_URL: url(['http:', 'https:']).default('http://localhost:5173'),
    TRUST_PROXY: bool.default(false),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** Human-readable logs; JSON when false. Defaults to true outside production. */
    LOG_PRETTY: bool.optional(),

    MONGO_URL: url(['mongodb:', 'mongodb+srv:']).optional(),
    MONGO_DB: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,63}$/, 'must be 1-63 letters, digits, _ or -')
      .default('seed_pms'),
    MONGO_POOL_MAX: positiveInt.max(500).default(20),
    MONGO_SERVER_SELECTION_TIMEOUT_MS: positiveInt.max(60_000).default(5_000),
    /** Directory for the offline default database and local files. */
    DATA_DIR: z.string().min(1).default('.data'),

    REDIS_URL: url(['redis:', 'rediss:']).optional(),

    /** PKCS#8 PEM private key (EdDSA/ES256) for access tokens; generated per process in development. */
    JWT_PRIVATE_KEY: z.string().min(1).optional(),
    JWT_KEY_ID: z.string().min(1).max(64).default('dev-1'),
    /** A JWKS (JSON) of earlier public keys, each with its `kid`: tokens they signed stay valid while keys rotate. */
    JWT_PREVIOUS_KEYS: z.string().min(1).optional(),
    ACCESS_TOKEN_TTL_SECONDS: positiveInt.max(3600).default(900),
    REFRESH_TOKEN_TTL_DAYS: positiveInt.max(90).default(14),
    COOKIE_SECRET: z.string().min(32, 'must be at least 32 characters').default(DEV_SECRETS.COOKIE_SECRET),
    /** Secure cookies; defaults to true in production. */
    COOKIE_SECURE: bool.optional(),
    COOKIE_DOMAIN: z.string().min(1).optional(),
    /** Encrypts secrets at rest (MFA secrets); at least 32 characters. */
    DATA_ENCRYPTION_KEY: z.string().min(32, 'must be at least 32 characters').default(DEV_SECRETS.DATA_ENCRYPTION_KEY),
    /** Retired DATA_ENCRYPTION_KEYs, comma-separated: still read, never written (see "Key rotation" in the README). */
    DATA_ENCRYPTION_KEYS_PREVIOUS: csv.default([]),
    /** How long the per-request session check (session live, user active) is cached; 0 turns the cache off. */
    AUTH_SESSION_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(5_000),
    /** How long the one-click approve and reject links of approval emails work (hours). */
    APPROVAL_LINK_TTL_HOURS: z.coerce
      .number()
      .int()
      .min(1)
      .max(24 * 14)
      .default(72),
    /** The window of the auth routes' own limits (login, refresh, password reset, invites). */
    AUTH_RATE_LIMIT_WINDOW_MS: positiveInt.default(15 * 60_000),
    AUTH_RATE_LIMIT_PER_IP: positiveInt.default(100),
    AUTH_RATE_LIMIT_PER_ACCOUNT: positiveInt.default(20),
    PASSWORD_RESET_TTL_MINUTES: positiveInt.max(24 * 60).default(30),
    INVITE_TTL_DAYS: positiveInt.max(90).default(7),

    CORS_ORIGINS: csv.default(['http://localhost:5173', 'http://localhost:3000']),
    BODY_LIMIT_BYTES: positiveInt.max(50 * 1024 * 1024).default(1024 * 1024),
    /** The largest upload of any kind; each purpose has its own lower limit (profile images 5 MB). */
    UPLOAD_MAX_BYTES: positiveInt.max(1024 * 1024 * 1024).default(25 * 1024 * 1024),
    RATE_LIMIT_MAX: positiveInt.default(600),
    RATE_LIMIT_WINDOW_MS: positiveInt.default(60_000),
    TRPC_MAX_BATCH_SIZE: positiveInt.max(100).default(10),
    IDEMPOTENCY_TTL_HOURS: positiveInt.max(24 * 30).default(24),
    SHUTDOWN_TIMEOUT_MS: positiveInt.default(10_000),

    STORAGE_DRIVER: z.enum(['local', 's3']).default('local'),
    FILE_URL_SECRET: z.string().min(32, 'must be at least 32 characters').default(DEV_SECRETS.FILE_URL_SECRET),
    S3_ENDPOINT: url(['http:', 'https:']).optional(),
    S3_REGION: z.string().min(1).default('us-east-1'),
    S3_BUCKET: z.string().min(3).optional(),
    S3_ACCESS_KEY_ID: z.string().min(1).optional(),
    S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
    S3_FORCE_PATH_STYLE: bool.default(true),
    /** Where browsers reach S3 when it differs from S3_ENDPOINT: download URLs are signed for it. */
    S3_PUBLIC_ENDPOINT: url(['http:', 'https:']).optional(),

    CLAMAV_URL: url(['tcp:']).optional(),
    SMTP_URL: url(['smtp:', 'smtps:']).optional(),
    MAIL_FROM: z.string().min(3).default('Seed PMS <no-reply@seed-pms.local>'),

    /** Webhooks may reach private, loopback and link-local addresses (tests, on-premises receivers); off by default (SSRF). */
    WEBHOOK_ALLOW_PRIVATE_TARGETS: bool.default(false),
    /** How long one webhook delivery attempt may take, connection to answer. */
    WEBHOOK_TIMEOUT_MS: positiveInt.max(60_000).default(10_000),
    /** A subscription is disabled after this many deliveries in a row failed (or a day of failed attempts). */
    WEBHOOK_DISABLE_AFTER_FAILURES: positiveInt.max(1000).default(10),

    BOOTSTRAP_ADMIN_EMAIL: z.string().trim().pipe(z.email()).optional(),
    BOOTSTRAP_ADMIN_PASSWORD: z.string().min(12, 'must be at least 12 characters').optional(),

    ALLOW_INSECURE_DEFAULTS: bool.default(false),
  })
  .superRefine((c, ctx) => {
    if ((c.BOOTSTRAP_ADMIN_EMAIL === undefined) !== (c.BOOTSTRAP_ADMIN_PASSWORD === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [c.BOOTSTRAP_ADMIN_EMAIL === undefined ? 'BOOTSTRAP_ADMIN_EMAIL' : 'BOOTSTRAP_ADMIN_PASSWORD'],
        message: 'BOOTSTRAP_ADMIN_EMAIL and BOOTSTRAP_ADMIN_PASSWORD are set together or not at all',
      });
    }
    if (c.STORAGE_DRIVER === 's3') {
      for (const key of ['S3_BUCKET', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY'] as const) {
        if (!c[key]) ctx.addIssue({ code: 'custom', path: [key], message: 'is required when STORAGE_DRIVER=s3' });
      }
    }
    // Keys are secrets: the messages name their position, never the key.
    c.DATA_ENCRYPTION_KEYS_PREVIOUS.forEach((key, index) => {
      const which = `key ${index + 1} of ${c.DATA_ENCRYPTION_KEYS_PREVIOUS.length}`;
      const problem =
        key.length < 32
          ? 'is shorter than 32 characters'
          : key === c.DATA_ENCRYPTION_KEY
            ? 'is DATA_ENCRYPTION_KEY itself (list only retired keys)'
            : c.DATA_ENCRYPTION_KEYS_PREVIOUS.indexOf(key) < index
              ? 'is listed twice'
              : null;
      if (problem)
        ctx.addIssue({ code: 'custom', path: ['DATA_ENCRYPTION_KEYS_PREVIOUS'], message: `${which} ${problem}` });
    });
    if (c.NODE_ENV === 'production' && !c.ALLOW_INSECURE_DEFAULTS) {
      for (const key of ['COOKIE_SECRET', 'FILE_URL_SECRET', 'DATA_ENCRYPTION_KEY'] as const) {
        if (c[key] === DEV_SECRETS[key]) {
          ctx.addIssue({
            code: 'custom',
            path: [key],
            message:
              'still has the development default; set a secret of your own (or ALLOW_INSECURE_DEFAULTS=true for a local run)',
          });
        }
      }
      if (!c.JWT_PRIVATE_KEY) {
        ctx.addIssue({
          code: 'custom',
          path: ['JWT_PRIVATE_KEY'],
          message: 'is required in production (a PKCS#8 PEM key), or ALLOW_INSECURE_DEFAULTS=true for a local run',
        });
      }
    }
  })
  .transform((c) => ({
    ...c,
    LOG_PRETTY: c.LOG_PRETTY ?? c.NODE_ENV === 'development',
    COOKIE_SECURE: c.COOKIE_SECURE ?? c.NODE_ENV === 'production',
  }));

export type Config = z.output<typeof ConfigSchema>;

/**
 * DATA_DIR as an absolute path. A relative one is taken from where the command
 * was started (pnpm runs package scripts inside the package, and keeps the
 * starting directory in INIT_CWD), so `pnpm dev` at the root uses ./.data.
 */
export function dataDir(config: Pick<Config, 'DATA_DIR'>): string {
  return resolve(process.env.INIT_CWD ?? process.cwd(), config.DATA_DIR);
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: { variable: string; message: string }[]) {
    super(
      `Invalid configuration:\n${problems.map((p) => `  - ${p.variable}: ${p.message}`).join('\n')}\n` +
        'See .env.example for every variable and its meaning.',
    );
  }
}

/**
 * Reads the configuration from an environment. Empty strings count as unset,
 * so `FOO=` in a .env file falls back to the default. Throws a ConfigError that
 * names every bad variable at once.
 */
export function loadConfig(env: NodeJS.ProcessEnv | Record<string, string | undefined> = process.env): Config {
  const input: Record<string, string> = {};
  for (const key of Object.keys(ConfigSchema.in.shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') input[key] = value;
  }
  const result = ConfigSchema.safeParse(input);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => ({
        variable: String(issue.path[0] ?? '(config)'),
        message: issue.message,
      })),
    );
  }
  return result.data;
}

/**
 * Loads `.env` from where the command was started, if there is one. Variables
 * already set in the environment win over the file.
 */
export function loadDotEnv(): string | undefined {
  const file = resolve(process.env.INIT_CWD ?? process.cwd(), '.env');
  if (!existsSync(file)) return undefined;
  process.loadEnvFile(file);
  return file;
}
