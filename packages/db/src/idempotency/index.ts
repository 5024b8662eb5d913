export * from './idempotency.doc.js';
export * from './idempotency.repository.js';
