export * from './file.schemas.js';
