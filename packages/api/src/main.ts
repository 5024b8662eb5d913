import { createRepositories } from '@seed-pms/db';
import pino from 'pino';
import { buildApp, loggerOptions } from './app/build-app.js';
import { openRuntime } from './app/runtime.js';
import { type Config, ConfigError, loadConfig, loadDotEnv } from './config/config.js';

/** `pnpm dev` / `pnpm start`: the API with its embedded defaults. */
async function main(): Promise<void> {
  let config: Config;
  try {
    loadDotEnv();
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }

  const logger = pino(loggerOptions({ config }) as pino.LoggerOptions);
  const runtime = await openRuntime(config, logger);
  const app = await buildApp(runtime.deps, { loggerInstance: logger });

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down: draining requests and jobs');
    const force = setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, config.SHUTDOWN_TIMEOUT_MS);
    force.unref();
    await app.close();
    await runtime.close();
    logger.flush();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));

  const address = await app.listen({ host: config.HOST, port: config.PORT });
  const { deps } = runtime;
  logger.info(
    {
      url: address,
      database: runtime.database.description,
      jobs: deps.jobs.mode,
      rateLimits: deps.redis ? 'redis' : 'per process',
      storage:
        config.STORAGE_DRIVER === 'local' ? `local disk (${config.DATA_DIR}/storage)` : `s3 (${config.S3_BUCKET})`,
      bootstrapAdmin: runtime.bootstrap,
    },
    `Seed PMS API listening on ${address} — docs at ${address}/api/docs — database: ${runtime.database.description}`,
  );
  if ((await createRepositories(deps.database).users.count()) <= 1) {
    logger.info('No people yet: `pnpm seed` adds a demo organisation (400 people) and prints demo logins.');
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
