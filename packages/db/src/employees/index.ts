export * from './employee.doc.js';
export * from './employee.repository.js';
