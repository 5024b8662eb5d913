export * from './catalog.doc.js';
export * from './catalog.mapper.js';
export * from './catalog.repository.js';
