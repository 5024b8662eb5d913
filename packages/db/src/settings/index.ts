export * from './settings.doc.js';
export * from './settings.repository.js';
