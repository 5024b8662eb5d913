export * from './settings.doc.js';
export * from './settings.mapper.js';
export * from './settings.repository.js';
