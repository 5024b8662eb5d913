export * from './expense.decide.js';
export * from './expense.schemas.js';
export * from './expense-setup.schemas.js';
export * from './money.js';
