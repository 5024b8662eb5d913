export * from './catalog.records.js';
export * from './catalog.schemas.js';
