export * from './outbox.doc.js';
export * from './outbox.repository.js';
