export * from './employee.doc.js';
export * from './employee.mapper.js';
export * from './employee.repository.js';
