export * from './audit.doc.js';
// The chain's mechanics (appendAudit, listAudits, verifyAuditChain) are reached through the repository.
export {
  type AppendAuditInput,
  AUDIT_GENESIS_HASH,
  type AuditRepository,
  type AuditSeal,
  auditEntryHash,
  canonicalJson,
  createAuditRepository,
  type SealedAuditParts,
  type StoredAuditEntry,
  sealedAuditHash,
  type VerifyAuditOptions,
} from './audit.repository.js';
