export * from './calendar-days.js';
export * from './common.schemas.js';
export * from './csv.js';
export * from './text.js';
