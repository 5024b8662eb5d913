export * from './job-run.doc.js';
export * from './job-run.repository.js';
