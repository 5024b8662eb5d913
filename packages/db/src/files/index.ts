export * from './file.doc.js';
export * from './file.mapper.js';
export * from './file.repository.js';
