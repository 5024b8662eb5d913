export * from './work-location.decide.js';
export * from './work-location.records.js';
export * from './work-location.schemas.js';
