export * from './webhook.doc.js';
export * from './webhook.repository.js';
