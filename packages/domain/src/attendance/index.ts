export * from './attendance.decide.js';
export * from './attendance.network.js';
export * from './attendance.records.js';
export * from './attendance.schemas.js';
