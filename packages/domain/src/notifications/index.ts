export * from './notification.decide.js';
export * from './notification.schemas.js';
