export * from './settings.schemas.js';
