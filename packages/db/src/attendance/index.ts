export * from './attendance.doc.js';
export * from './attendance.repository.js';
