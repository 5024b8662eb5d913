import { MongoMemoryReplSet } from 'mongodb-memory-server-core';
import { EMBEDDED_MONGO_VERSION } from '../database/embedded.js';

/**
 * `pnpm mongodb`: a real MongoDB 7 single-node replica set from
 * mongodb-memory-server, for running the suite or the API against MongoDB
 * where a network is available (the first run downloads mongod into its cache;
 * `pnpm dev` then finds it). Prints the URL to use as MONGO_URL and runs until
 * interrupted.
 */
const replSet = await MongoMemoryReplSet.create({
  replSet: { count: 1, storageEngine: 'wiredTiger' },
  binary: { version: process.env.MONGOMS_VERSION ?? EMBEDDED_MONGO_VERSION },
});
const url = replSet.getUri();
console.log(`MongoDB ${process.env.MONGOMS_VERSION ?? EMBEDDED_MONGO_VERSION} replica set ready.`);
console.log(`  MONGO_URL='${url}' pnpm test`);
console.log(`  MONGO_URL='${url}' pnpm dev`);
const stop = async () => {
  await replSet.stop();
  process.exit(0);
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
