/**
 * The API package's public face. Frontends get the router's type through
 * @seed-pms/client; the rest is for our own scripts and tests.
 */

export { buildApp } from './app/build-app.js';
export { openRuntime } from './app/runtime.js';
export { type Config, ConfigError, loadConfig } from './config/config.js';
export type { Context, CookieOptions, RequestInfo, ResponseControl } from './trpc/context.js';
export type { AppRouter } from './trpc/router.js';
export type { Meta } from './trpc/trpc.js';
