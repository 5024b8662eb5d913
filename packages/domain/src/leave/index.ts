export * from './leave.days.js';
export * from './leave.decide.js';
export * from './leave.ledger.js';
export * from './leave.records.js';
export * from './leave.schemas.js';
