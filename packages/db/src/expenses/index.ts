export * from './expense.doc.js';
export * from './expense-setup.repository.js';
