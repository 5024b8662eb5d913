export * from './project.doc.js';
export * from './project.repository.js';
