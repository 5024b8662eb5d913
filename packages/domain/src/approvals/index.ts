export * from './approval.decide.js';
export * from './approval.delegation.js';
export * from './approval.links.js';
export * from './approval.records.js';
export * from './approval.relations.js';
export * from './approval.report.js';
export * from './approval.rules.js';
export * from './approval.schemas.js';
