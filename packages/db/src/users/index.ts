export * from './user.doc.js';
export * from './user.insert.js';
export * from './user.mapper.js';
export * from './user.repository.js';
