export * from './audit.redact.js';
export * from './audit.schemas.js';
export * from './audit.subject.js';
