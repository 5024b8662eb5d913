export * from './access/index.js';
export * from './audit/index.js';
export * from './auth/index.js';
export * from './common/index.js';
export * from './errors/index.js';
export * from './health/index.js';
export * from './settings/index.js';
export * from './users/index.js';
