import { readFileSync } from 'node:fs';

/** The API's version, from its package.json (src/ and dist/ are both one level below it). */
export const APP_VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
