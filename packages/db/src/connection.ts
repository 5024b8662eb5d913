import {
  type ClientSession,
  type Collection,
  type Db,
  type Document,
  MongoClient,
  type MongoClientOptions,
} from 'mongodb';
import {
  approvalLinksCollection,
  approvalPoliciesCollection,
  delegationsCollection,
  workflowsCollection,
} from './approvals/approval.doc.js';
import {
  attendanceLocksCollection,
  attendanceRecordsCollection,
  timeChangeRequestsCollection,
} from './attendance/attendance.doc.js';
import { auditCollection } from './audit/audit.doc.js';
import { forgetAuditEnds } from './audit/audit.repository.js';
import {
  type AuthTokenDoc,
  authTokensCollection,
  type LoginFailureDoc,
  loginFailuresCollection,
  type SessionDoc,
  sessionsCollection,
} from './auth/session.doc.js';
import { type CatalogDoc, catalogsCollection } from './catalogs/catalog.doc.js';
import { type CollectionDef, collectionOf } from './collections.js';
import { type EmployeeDoc, employeesCollection } from './employees/employee.doc.js';
import {
  exchangeRatesCollection,
  expenseAttachmentsCollection,
  expenseCategoriesCollection,
  expensesCollection,
} from './expenses/expense.doc.js';
import { type FileDoc, filesCollection } from './files/file.doc.js';
import { type IdempotencyDoc, idempotencyCollection } from './idempotency/idempotency.doc.js';
import { ensureIndexes } from './indexes.js';
import { jobRunsCollection } from './jobs/job-run.doc.js';
import {
  holidayCalendarsCollection,
  leaveBalancesCollection,
  leaveLedgerCollection,
  leaveRequestsCollection,
  leaveTypesCollection,
} from './leave/leave.doc.js';
import { type LockDoc, locksCollection } from './locks.js';
import { messageEventsCollection, messagesCollection, messageThreadsCollection } from './messaging/messaging.doc.js';
import { notificationPreferencesCollection, notificationsCollection } from './notifications/notification.doc.js';
import { outboxCollection } from './outbox/outbox.doc.js';
import { consentHistoryCollection, consentsCollection } from './privacy/consents.doc.js';
import { dataKeysCollection } from './privacy/data-keys.doc.js';
import { erasureRequestsCollection } from './privacy/erasure.doc.js';
import { privacyExportsCollection } from './privacy/export.doc.js';
import { legalHoldsCollection } from './privacy/legal-holds.doc.js';
import {
  type AssignmentDoc,
  assignmentsCollection,
  type CapacityLedgerDoc,
  capacityLedgersCollection,
  type ProjectCommentDoc,
  type ProjectDoc,
  type ProjectDocumentDoc,
  projectCommentsCollection,
  projectDocumentsCollection,
  projectsCollection,
} from './projects/project.doc.js';
import { withQueuedWrites } from './serialize-writes.js';
import { type SettingsDoc, settingsCollection } from './settings/settings.doc.js';
import { type UserDoc, usersCollection } from './users/user.doc.js';
import { webhookDeliveriesCollection, webhooksCollection } from './webhooks/webhook.doc.js';
import { workLocationRequestsCollection } from './work-location/work-location.doc.js';

export interface ConnectOptions {
  url: string;
  dbName: string;
  maxPoolSize?: number;
  minPoolSize?: number;
  /** How long to look for a server before an operation fails (the driver's default is 30 s). */
  serverSelectionTimeoutMS?: number;
  appName?: string;
}

export type ServerKind = 'mongodb' | 'ferretdb';

/** Every collection the product declares; index creation walks this list. */
export const ALL_COLLECTIONS: CollectionDef<Document>[] = [
  usersCollection,
  idempotencyCollection,
  sessionsCollection,
  loginFailuresCollection,
  authTokensCollection,
  settingsCollection,
  outboxCollection,
  auditCollection,
  dataKeysCollection,
  erasureRequestsCollection,
  catalogsCollection,
  employeesCollection,
  filesCollection,
  locksCollection,
  projectsCollection,
  assignmentsCollection,
  capacityLedgersCollection,
  projectCommentsCollection,
  projectDocumentsCollection,
  approvalPoliciesCollection,
  workflowsCollection,
  workLocationRequestsCollection,
  delegationsCollection,
  approvalLinksCollection,
  notificationsCollection,
  notificationPreferencesCollection,
  messageThreadsCollection,
  messagesCollection,
  messageEventsCollection,
  jobRunsCollection,
  leaveTypesCollection,
  holidayCalendarsCollection,
  leaveLedgerCollection,
  leaveBalancesCollection,
  leaveRequestsCollection,
  attendanceRecordsCollection,
  timeChangeRequestsCollection,
  attendanceLocksCollection,
  expenseCategoriesCollection,
  exchangeRatesCollection,
  expensesCollection,
  expenseAttachmentsCollection,
  webhooksCollection,
  webhookDeliveriesCollection,
  privacyExportsCollection,
  consentsCollection,
  consentHistoryCollection,
  legalHoldsCollection,
];

export interface Collections {
  users: Collection<UserDoc>;
  idempotencyKeys: Collection<IdempotencyDoc>;
  sessions: Collection<SessionDoc>;
  loginFailures: Collection<LoginFailureDoc>;
  authTokens: Collection<AuthTokenDoc>;
  settings: Collection<SettingsDoc>;
  catalogs: Collection<CatalogDoc>;
  employees: Collection<EmployeeDoc>;
  files: Collection<FileDoc>;
  locks: Collection<LockDoc>;
  projects: Collection<ProjectDoc>;
  assignments: Collection<AssignmentDoc>;
  capacityLedgers: Collection<CapacityLedgerDoc>;
  projectComments: Collection<ProjectCommentDoc>;
  projectDocuments: Collection<ProjectDocumentDoc>;
}

export interface Database {
  readonly client: MongoClient;
  readonly db: Db;
  readonly kind: ServerKind;
  readonly serverVersion: string;
  /** True on replica sets and sharded clusters of a real MongoDB. */
  readonly supportsTransactions: boolean;
  readonly collections: Collections;
  /**
   * A typed collection of this database. Always take collections from here (or
   * `collections`), never from `db.collection()`: on FerretDB this is what keeps
   * single-document writes atomic (see serialize-writes.ts).
   */
  collection<TDoc extends Document>(def: CollectionDef<TDoc> | string): Collection<TDoc>;
  /** Round-trip to the server; throws when it cannot be reached. */
  ping(): Promise<void>;
  /** The database's name on its server. */
  readonly name: string;
  /** Drops every collection and creates the declared indexes again (demo and benchmark data only). */
  reset(): Promise<void>;
  close(): Promise<void>;
}

export function clientOptions(options: ConnectOptions): MongoClientOptions {
  return {
    appName: options.appName ?? 'seed-pms',
    maxPoolSize: options.maxPoolSize ?? 20,
    minPoolSize: options.minPoolSize ?? 0,
    serverSelectionTimeoutMS: options.serverSelectionTimeoutMS ?? 5_000,
    connectTimeoutMS: 5_000,
    // Long enough for a report query, short enough that a dead socket is noticed.
    socketTimeoutMS: 60_000,
    maxIdleTimeMS: 60_000,
    ignoreUndefined: true,
  };
}

/**
 * Connects, learns what kind of server answers (MongoDB or FerretDB) and whether
 * it offers transactions, and creates the declared indexes (idempotent).
 * Retryable writes come from the URL (`retryWrites`), which MongoDB enables by
 * default; FerretDB URLs turn them off since it has no sessions to retry in.
 */
export async function connectDatabase(options: ConnectOptions): Promise<Database> {
  const client = new MongoClient(options.url, clientOptions(options));
  await client.connect();
  try {
    const db = client.db(options.dbName);
    const admin = db.admin();
    const [buildInfo, hello] = await Promise.all([admin.command({ buildInfo: 1 }), admin.command({ hello: 1 })]);
    const kind: ServerKind = typeof buildInfo.ferretdbVersion === 'string' ? 'ferretdb' : 'mongodb';
    const supportsTransactions = kind === 'mongodb' && (typeof hello.setName === 'string' || hello.msg === 'isdbgrid');
    const collection = <TDoc extends Document>(def: CollectionDef<TDoc> | string): Collection<TDoc> => {
      const raw = typeof def === 'string' ? db.collection<TDoc>(def) : collectionOf(db, def);
      return kind === 'ferretdb' ? withQueuedWrites(raw) : raw;
    };
    const database: Database = {
      client,
      db,
      kind,
      serverVersion: String(buildInfo.ferretdbVersion ?? buildInfo.version ?? 'unknown'),
      supportsTransactions,
      collections: {
        users: collection(usersCollection),
        idempotencyKeys: collection(idempotencyCollection),
        sessions: collection(sessionsCollection),
        loginFailures: collection(loginFailuresCollection),
        authTokens: collection(authTokensCollection),
        settings: collection(settingsCollection),
        catalogs: collection(catalogsCollection),
        employees: collection(employeesCollection),
        files: collection(filesCollection),
        locks: collection(locksCollection),
        projects: collection(projectsCollection),
        assignments: collection(assignmentsCollection),
        capacityLedgers: collection(capacityLedgersCollection),
        projectComments: collection(projectCommentsCollection),
        projectDocuments: collection(projectDocumentsCollection),
      },
      collection,
      name: db.databaseName,
      async reset() {
        await db.dropDatabase();
        forgetAuditEnds();
        await ensureIndexes(db, ALL_COLLECTIONS);
      },
      async ping() {
        await db.command({ ping: 1 });
      },
      async close() {
        await client.close();
      },
    };
    await ensureIndexes(db, ALL_COLLECTIONS);
    return database;
  } catch (error) {
    await client.close();
    throw error;
  }
}

/**
 * Runs `fn` in a transaction where the server offers them, plainly otherwise.
 * Correctness never depends on the transaction (see ARCHITECTURE.md): every
 * invariant is guarded by a single-document conditional update or a unique
 * index, and multi-document changes are ordered so a retry repairs a crash.
 * On MongoDB the transaction is a crash-consistency bonus.
 */
export async function withTransaction<T>(
  database: Pick<Database, 'client' | 'supportsTransactions'>,
  fn: (session: ClientSession | undefined) => Promise<T>,
): Promise<T> {
  if (!database.supportsTransactions) return fn(undefined);
  const session = database.client.startSession();
  try {
    return await session.withTransaction(() => fn(session));
  } finally {
    await session.endSession();
  }
}
