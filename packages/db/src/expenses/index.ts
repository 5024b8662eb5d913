export * from './expense.doc.js';
export * from './expense.repository.js';
export * from './expense-setup.repository.js';
