export * from './catalog.schemas.js';
