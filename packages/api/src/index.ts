/**
 * The API package's public face. Frontends get the router's type through
 * @seed-pms/client; the rest is for our own scripts and tests.
 */
export type { AppRouter } from './trpc/router.js';
export type { Meta } from './trpc/trpc.js';
export type { Context, RequestInfo, ResponseControl, CookieOptions } from './trpc/context.js';
export { buildApp } from './app/build-app.js';
export { openRuntime } from './app/runtime.js';
export { loadConfig, ConfigError, type Config } from './config/config.js';
