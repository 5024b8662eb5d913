export * from './capacity.js';
export * from './project.decide.js';
export * from './project.records.js';
export * from './project.rules.js';
export * from './project.schemas.js';
export * from './roster.decide.js';
export * from './roster-plan.js';
