import { createHash, randomBytes } from 'node:crypto';
import { connectDatabase, type Database } from '../connection.js';

/**
 * A database of its own for one test file: the name is derived from the file
 * and a random suffix, so files running in parallel never see each other's
 * data. `drop()` removes it.
 */
export async function openTestDatabase(url: string, label: string): Promise<Database & { drop(): Promise<void> }> {
  const slug = label
    .replace(/^.*packages\//, '')
    .replace(/[^a-zA-Z0-9]+/g, '_')
    .slice(-28);
  const hash = createHash('sha1').update(label).digest('hex').slice(0, 6);
  const dbName = `t_${slug}_${hash}_${randomBytes(3).toString('hex')}`.slice(0, 60);
  const database = await connectDatabase({ url, dbName, maxPoolSize: 5, serverSelectionTimeoutMS: 5_000 });
  return Object.assign(database, {
    async drop() {
      await database.db.dropDatabase();
    },
  });
}
