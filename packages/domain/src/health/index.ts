export * from './health.schemas.js';
