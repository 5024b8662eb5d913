/**
 * For tests that look at stored documents directly (to check what was
 * written, or to stage a crash's leftovers): the driver's id type. Nothing
 * outside packages/db uses it otherwise.
 */
export type { WithId } from 'mongodb';
export { ObjectId } from 'mongodb';
export * from './test-database.js';
export * from './test-server.js';
