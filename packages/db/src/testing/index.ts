export * from './ferretdb.js';
export * from './test-database.js';
