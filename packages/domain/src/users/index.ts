export * from './user.schemas.js';
