export * from './common/index.js';
export * from './errors/index.js';
export * from './health/index.js';
export * from './users/index.js';
