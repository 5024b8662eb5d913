import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * The structure the code keeps: no import circles in the server, and no use
 * case that knows its transport. Both are measured from the source, so a
 * change that breaks them fails here (and in `pnpm lint` for the rule).
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const apiSrc = join(root, 'packages/api/src');
const biome = join(root, 'node_modules/.bin/biome');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.test.ts') ? [path] : [];
  });
}

/** Relative imports of a file (type-only ones too: they tie the files together just the same). */
function importsOf(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const match of source.matchAll(/(?:import|export)\s[^'";]*?from\s+'(\.[^']+)'|import\('(\.[^']+)'\)/g)) {
    const spec = match[1] ?? match[2];
    if (spec) found.push(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
  }
  return found;
}

/** Every cycle's files, found by a depth-first walk (one cycle per back edge). */
function cycles(files: readonly string[]): string[][] {
  const graph = new Map(files.map((f) => [f, importsOf(f).filter((t) => files.includes(t))]));
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const found: string[][] = [];
  const visit = (file: string) => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'open') found.push(stack.slice(stack.indexOf(next)).map((f) => relative(root, f)));
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of files) if (!state.has(file)) visit(file);
  return found;
}

describe('the server’s structure', () => {
  it('packages/api/src has no import circle', () => {
    expect(cycles(sourceFiles(apiSrc))).toEqual([]);
  });

  it('the circle check finds a circle when there is one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'seed-layers-'));
    try {
      writeFileSync(join(dir, 'a.ts'), "import { b } from './b.js';\nexport const a = b;\n");
      writeFileSync(
        join(dir, 'b.ts'),
        "import type { a } from './a.js';\nexport const b = 1 as unknown as typeof a;\n",
      );
      expect(cycles([join(dir, 'a.ts'), join(dir, 'b.ts')])).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** What only packages/db may say: the driver's id type, raw collections, `_id` ⇄ `id` conversions. */
const STORAGE_WORDS = /\bObjectId\b|\.collections\b|\.collection\(|\btoHexString\(|\._id\b|from 'mongodb'/;

function storageLeaks(files: readonly string[]): string[] {
  return files.flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .flatMap((line, i) => (STORAGE_WORDS.test(line) ? [`${relative(root, file)}:${i + 1}: ${line.trim()}`] : [])),
  );
}

describe('storage stays in packages/db', () => {
  it('no ObjectId, raw collection, _id or driver import anywhere in packages/api/src', () => {
    expect(storageLeaks(sourceFiles(apiSrc))).toEqual([]);
  });

  it('the scan finds them when they are there', () => {
    const dir = mkdtempSync(join(tmpdir(), 'seed-storage-'));
    try {
      const file = join(dir, 'x.service.ts');
      writeFileSync(file, 'const id = doc._id.toHexString();\nawait deps.database.collections.users.findOne({});\n');
      expect(storageLeaks([file])).toHaveLength(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the lint rule that keeps transports out of use cases', () => {
  // The repository's own biome.json, applied to files placed where services live.
  const work = mkdtempSync(join(tmpdir(), 'seed-lint-'));
  copyFileSync(join(root, 'biome.json'), join(work, 'biome.json'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  function lint(path: string, source: string): { ok: boolean; output: string } {
    const file = join(work, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, source);
    try {
      const output = execFileSync(biome, ['lint', '--vcs-enabled=false', '--config-path', work, file], {
        cwd: work,
        encoding: 'utf8',
        stdio: 'pipe',
      });
      return { ok: true, output };
    } catch (error) {
      const e = error as { stdout?: string; stderr?: string };
      return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
    }
  }

  it('refuses a service that imports trpc/ or rest/', () => {
    for (const target of ['../trpc/context.js', '../rest/openapi.js']) {
      const result = lint(
        'packages/api/src/leave/leave.service.ts',
        `import type { X } from '${target}';\n\nexport type Y = X;\n`,
      );
      expect(result.ok, target).toBe(false);
      expect(result.output).toContain('a use case knows nothing of its transport');
    }
  });

  it('accepts a service that takes its context from app/call-context.ts', () => {
    const result = lint(
      'packages/api/src/leave/leave.service.ts',
      "import type { ActorContext } from '../app/call-context.js';\n\nexport type Y = ActorContext;\n",
    );
    expect(result.output).not.toContain('a use case knows nothing of its transport');
    expect(result.ok).toBe(true);
  });

  it('refuses the driver anywhere in the server, services and the rest alike', () => {
    for (const path of ['packages/api/src/leave/leave.service.ts', 'packages/api/src/leave/leave.router.ts']) {
      const result = lint(path, "import { ObjectId } from 'mongodb';\n\nexport const id = new ObjectId();\n");
      expect(result.ok, path).toBe(false);
      expect(result.output).toContain('storage belongs to packages/db');
    }
  });

  it('leaves routers free to import trpc/', () => {
    const result = lint(
      'packages/api/src/leave/leave.router.ts',
      "import type { X } from '../trpc/trpc.js';\n\nexport type Y = X;\n",
    );
    expect(result.ok).toBe(true);
  });
});
