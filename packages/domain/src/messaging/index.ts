export * from './messaging.decide.js';
export * from './messaging.records.js';
export * from './messaging.schemas.js';
