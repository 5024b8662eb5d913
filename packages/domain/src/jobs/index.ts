export * from './job-run.schemas.js';
