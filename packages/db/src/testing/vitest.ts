import { afterAll, beforeAll, inject } from 'vitest';
import type { Database } from '../connection.js';
import { openTestDatabase } from './test-database.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The server every test file makes its own database on. */
    mongoUrl: string;
    /** 'ferretdb' when the suite started its own, 'external' when MONGO_URL named one. */
    mongoSource: 'ferretdb' | 'external';
    /** FerretDB's handler ('sqlite' or 'postgresql'); null when MONGO_URL named the server. */
    ferretDbHandler: 'sqlite' | 'postgresql' | null;
    /** Redis for queue and rate-limit tests. */
    redisUrl: string;
  }
}

/**
 * Gives the calling test file a database of its own for its whole run and drops
 * it afterwards. Use inside a describe block or at the top level of a file.
 */
export function useTestDatabase(label: string): () => Database {
  let database: (Database & { drop(): Promise<void> }) | undefined;
  beforeAll(async () => {
    database = await openTestDatabase(inject('mongoUrl'), label);
  });
  afterAll(async () => {
    await database?.drop();
    await database?.close();
  });
  return () => {
    if (!database) throw new Error('the test database is opened in beforeAll');
    return database;
  };
}
