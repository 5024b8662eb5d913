import { type CatalogRepository, createCatalogRepository } from './catalogs/catalog.repository.js';
import type { Database } from './connection.js';
import { createEmployeeRepository, type EmployeeRepository } from './employees/employee.repository.js';
import { createFileRepository, type FileRepository } from './files/file.repository.js';
import { createLeaseRepository, type LeaseRepository } from './locks.js';
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

export function createRepositories(database: Pick<Database, 'collections'>): Repositories {
  const { collections } = database;
  return {
    catalogs: createCatalogRepository(collections),
    employees: createEmployeeRepository(collections),
    files: createFileRepository(collections),
    users: createUserRepository(collections),
    projects: createProjectRepository(collections),
    assignments: createAssignmentRepository(collections),
    capacity: createCapacityLedgerRepository(collections),
    projectComments: createProjectCommentRepository(collections),
    projectDocuments: createProjectDocumentRepository(collections),
    leases: createLeaseRepository(collections),
  };
}
