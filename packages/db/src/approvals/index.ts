export * from './approval.doc.js';
export * from './approval-policy.repository.js';
export * from './approval-workflow.repository.js';
