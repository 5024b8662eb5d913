export * from './file.records.js';
export * from './file.schemas.js';
