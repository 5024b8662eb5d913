export * from './work-location.doc.js';
export * from './work-location.repository.js';
