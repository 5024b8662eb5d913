export * from './user.records.js';
export * from './user.rules.js';
export * from './user.schemas.js';
