export * from './employee.schemas.js';
export * from './reporting-lines.js';
