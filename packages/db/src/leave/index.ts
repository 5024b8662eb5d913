export * from './leave.doc.js';
export * from './leave-ledger.repository.js';
export * from './leave-request.repository.js';
export * from './leave-type.repository.js';
