export * from './employee.decide.js';
export * from './employee.records.js';
export * from './employee.rules.js';
export * from './employee.schemas.js';
export * from './reporting-lines.js';
