import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildOpenApiDocument } from '../rest/openapi.js';
import { appRouter } from '../trpc/router.js';

/** `pnpm openapi [file]`: writes the OpenAPI document (default: openapi.json in the repository root). */
const target = resolve(process.env.INIT_CWD ?? process.cwd(), process.argv[2] ?? 'openapi.json');
const document = buildOpenApiDocument(appRouter);
writeFileSync(target, `${JSON.stringify(document, null, 2)}\n`);
console.log(
  `OpenAPI ${document.openapi} document with ${Object.keys(document.paths ?? {}).length} paths written to ${target}`,
);
