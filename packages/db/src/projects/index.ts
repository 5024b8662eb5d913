export * from './assignment.repository.js';
export * from './capacity-ledger.repository.js';
export * from './collaboration.repository.js';
export * from './project.doc.js';
// Views and records for the use cases; the document converters stay inside db.
export {
  assignmentOf,
  assignmentView,
  commentView,
  documentReferences,
  documentView,
  projectSummaryView,
  projectView,
  rosterEntries,
} from './project.mapper.js';
export * from './project.repository.js';
