export * from './approval.doc.js';
export * from './approval-link.repository.js';
export * from './approval-policy.repository.js';
export * from './approval-workflow.repository.js';
export * from './delegation.repository.js';
export * from './request-kind.js';
