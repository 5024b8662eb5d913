export * from './notification.doc.js';
export * from './notification.repository.js';
