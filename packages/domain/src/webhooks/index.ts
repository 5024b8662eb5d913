export * from './webhook.decide.js';
export * from './webhook.schemas.js';
