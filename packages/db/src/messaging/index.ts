export * from './messaging.doc.js';
export * from './messaging.repository.js';
