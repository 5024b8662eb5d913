export * from './abilities.js';
export * from './access-matrix.js';
export * from './access-query.js';
export * from './checks.js';
export * from './role-grants.js';
export * from './roles.js';
