export * from './capacity.js';
export * from './project.schemas.js';
export * from './roster-plan.js';
