export * from './audit.doc.js';
export * from './audit.repository.js';
