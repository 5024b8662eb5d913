import { auditCollection } from './audit/audit.doc.js';
import { type AuditRepository, createAuditRepository } from './audit/audit.repository.js';
import { type AuthTokenRepository, createAuthTokenRepository } from './auth/auth-token.repository.js';
import { createLoginFailureRepository, type LoginFailureRepository } from './auth/login-failure.repository.js';
import { createSessionRepository, type SessionRepository } from './auth/session.repository.js';
import { type CatalogRepository, createCatalogRepository } from './catalogs/catalog.repository.js';
import type { Database } from './connection.js';
import {
  createEmployeeRepository,
  type EmployeeRepository,
  insertAccount,
  syncEmployeeIdentity,
} from './employees/employee.repository.js';
import { createFileRepository, type FileRepository } from './files/file.repository.js';
import { createIdempotencyRepository, type IdempotencyRepository } from './idempotency/idempotency.repository.js';
import { createLeaseRepository, type LeaseRepository } from './locks.js';
import { outboxCollection } from './outbox/outbox.doc.js';
import { createOutboxRepository, type OutboxRepository } from './outbox/outbox.repository.js';
import { type AssignmentRepository, createAssignmentRepository } from './projects/assignment.repository.js';
import {
  type CapacityLedgerRepository,
  createCapacityLedgerRepository,
} from './projects/capacity-ledger.repository.js';
import {
  createProjectCommentRepository,
  createProjectDocumentRepository,
  type ProjectCommentRepository,
  type ProjectDocumentRepository,
} from './projects/collaboration.repository.js';
import { createProjectRepository, type ProjectRepository } from './projects/project.repository.js';
import { createSettingsRepository, type SettingsRepository } from './settings/settings.repository.js';
import { createUserRepository, type UserRepository } from './users/user.repository.js';

/**
 * Every area's storage, as the services see it: repositories take and return
 * string ids, records and views, never documents or ObjectIds. Each area adds
 * its repository here, built on the database's collections (which on FerretDB
 * queue their writes; see serialize-writes.ts).
 */
export interface Repositories {
  catalogs: CatalogRepository;
  employees: EmployeeRepository;
  files: FileRepository;
  users: UserRepository;
  /** Sign-in sessions, each a refresh-token family. */
  sessions: SessionRepository;
  /** Single-use tokens sent by email (password resets, invites). */
  authTokens: AuthTokenRepository;
  /** Failed sign-ins per email (the lockout's state). */
  loginFailures: LoginFailureRepository;
  settings: SettingsRepository;
  idempotency: IdempotencyRepository;
  outbox: OutboxRepository;
  /** The append-only audit trail. */
  audit: AuditRepository;
  projects: ProjectRepository;
  /** The roster history (project_assignments). */
  assignments: AssignmentRepository;
  /** Each person's capacity ledger: the guard of every roster change. */
  capacity: CapacityLedgerRepository;
  projectComments: ProjectCommentRepository;
  projectDocuments: ProjectDocumentRepository;
  /** Named leases for rules no single document can guard (see locks.ts). */
  leases: LeaseRepository;
}

export function createRepositories(database: Pick<Database, 'collections' | 'collection'>): Repositories {
  const { collections } = database;
  return {
    catalogs: createCatalogRepository(collections),
    employees: createEmployeeRepository(collections),
    files: createFileRepository(collections),
    // An account's profile is written with it, by the people area's functions.
    users: createUserRepository(collections, { insertAccount, syncEmployeeIdentity }),
    sessions: createSessionRepository(collections),
    authTokens: createAuthTokenRepository(collections),
    loginFailures: createLoginFailureRepository(collections),
    settings: createSettingsRepository(collections),
    idempotency: createIdempotencyRepository(collections),
    outbox: createOutboxRepository(database.collection(outboxCollection)),
    audit: createAuditRepository(database.collection(auditCollection)),
    projects: createProjectRepository(collections),
    assignments: createAssignmentRepository(collections),
    capacity: createCapacityLedgerRepository(collections),
    projectComments: createProjectCommentRepository(collections),
    projectDocuments: createProjectDocumentRepository(collections),
    leases: createLeaseRepository(collections),
  };
}
