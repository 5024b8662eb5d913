import { type Collection, type Document, type Filter, ObjectId } from 'mongodb';
import { delegationsCollection, workflowsCollection } from '../approvals/approval.doc.js';
import { attendanceRecordsCollection, timeChangeRequestsCollection } from '../attendance/attendance.doc.js';
import { auditCollection } from '../audit/audit.doc.js';
import { sessionsCollection } from '../auth/session.doc.js';
import { employeesCollection } from '../employees/employee.doc.js';
import { expenseAttachmentsCollection, expensesCollection } from '../expenses/expense.doc.js';
import { filesCollection } from '../files/file.doc.js';
import { leaveBalancesCollection, leaveLedgerCollection, leaveRequestsCollection } from '../leave/leave.doc.js';
import { messagesCollection, messageThreadsCollection } from '../messaging/messaging.doc.js';
import { notificationPreferencesCollection, notificationsCollection } from '../notifications/notification.doc.js';
import {
  assignmentsCollection,
  capacityLedgersCollection,
  projectCommentsCollection,
} from '../projects/project.doc.js';
import { usersCollection } from '../users/user.doc.js';
import { workLocationRequestsCollection } from '../work-location/work-location.doc.js';
import { consentHistoryCollection, consentsCollection } from './consents.doc.js';

/**
 * The stored records of one person, collection by collection, for the
 * personal-data export. Each source names its collection (the name the
 * manifest shows), how the person's records are found, and the fields that
 * never leave the server (hashes, secrets, internal search keys). Records come
 * out as plain JSON: `_id` as `id`, ObjectIds as hex strings, dates as ISO
 * strings. The export service shapes them per area (it decrypts personal data,
 * names the other participant of a thread, and so on).
 */
export type PlainValue = string | number | boolean | null | PlainValue[] | { [key: string]: PlainValue };
export type PlainRecord = { [key: string]: PlainValue };

interface SourceSpec {
  collection: string;
  /** The person's records; `uid` is their id, `collectionOf` opens another collection (messages need their threads). */
  filter(
    uid: ObjectId,
    context: { collectionOf(name: string): Collection<Document> },
  ): Promise<Filter<Document> | null>;
  /** Top-level fields left out. */
  omit: readonly string[];
  sort?: Record<string, 1 | -1>;
}

const byId = async (uid: ObjectId) => ({ _id: uid });
const byUser = async (uid: ObjectId) => ({ userId: uid });

const SOURCES = {
  employees: {
    collection: employeesCollection.name,
    filter: byId,
    omit: ['nameKey', 'searchKeys', 'departmentKey', 'skillIds', 'accountVersion'],
  },
  users: {
    collection: usersCollection.name,
    filter: byId,
    // `mfa` holds the TOTP secret and the recovery codes' hashes: the service says only whether it is enabled.
    omit: ['emailKey', 'nameKey', 'searchKeys', 'passwordHash', 'mfa'],
  },
  sessions: {
    collection: sessionsCollection.name,
    filter: byUser,
    omit: ['tokenHash', 'previousTokenHashes'],
    sort: { createdAt: 1 },
  },
  assignments: { collection: assignmentsCollection.name, filter: byUser, omit: [], sort: { recordedAt: 1 } },
  capacityLedger: { collection: capacityLedgersCollection.name, filter: byId, omit: [] },
  leaveRequests: {
    collection: leaveRequestsCollection.name,
    filter: byUser,
    omit: ['holdKey'],
    sort: { startDate: 1 },
  },
  leaveLedger: { collection: leaveLedgerCollection.name, filter: byUser, omit: ['key'], sort: { createdAt: 1 } },
  leaveBalances: { collection: leaveBalancesCollection.name, filter: byUser, omit: ['appliedIds'], sort: { year: 1 } },
  attendanceDays: { collection: attendanceRecordsCollection.name, filter: byUser, omit: [], sort: { date: 1 } },
  corrections: { collection: timeChangeRequestsCollection.name, filter: byUser, omit: [], sort: { createdAt: 1 } },
  workLocationRequests: {
    collection: workLocationRequestsCollection.name,
    filter: byUser,
    omit: [],
    sort: { startDate: 1 },
  },
  expenses: { collection: expensesCollection.name, filter: byUser, omit: [], sort: { expenseDate: 1 } },
  expenseAttachments: {
    collection: expenseAttachmentsCollection.name,
    filter: async (uid: ObjectId) => ({ uploadedBy: uid }),
    omit: ['uploadKey'],
    sort: { createdAt: 1 },
  },
  /** Files the person uploaded or that belong to their profile (metadata only; the storage key stays inside). */
  files: {
    collection: filesCollection.name,
    filter: async (uid: ObjectId) => ({ $or: [{ uploadedBy: uid }, { ownerType: 'employee', ownerId: uid }] }),
    omit: ['storageKey', 'scan'],
    sort: { createdAt: 1 },
  },
  threads: {
    collection: messageThreadsCollection.name,
    filter: async (uid: ObjectId) => ({ participantIds: uid }),
    // Digest bookkeeping and the pair key say nothing to the person.
    omit: ['pairKey', 'digestDueAt'],
    sort: { createdAt: 1 },
  },
  messages: {
    collection: messagesCollection.name,
    async filter(uid: ObjectId, context: { collectionOf(name: string): Collection<Document> }) {
      const threads = await context
        .collectionOf(messageThreadsCollection.name)
        .find({ participantIds: uid }, { projection: { _id: 1 } })
        .toArray();
      return threads.length === 0 ? null : { threadId: { $in: threads.map((t) => t._id) } };
    },
    omit: ['dedupeKey'],
    sort: { threadId: 1, seq: 1 },
  },
  notifications: { collection: notificationsCollection.name, filter: byUser, omit: [], sort: { createdAt: 1 } },
  notificationPreferences: { collection: notificationPreferencesCollection.name, filter: byId, omit: [] },
  approvalWorkflows: {
    collection: workflowsCollection.name,
    filter: async (uid: ObjectId) => ({ requesterId: uid }),
    omit: ['eligible', 'escalated', 'deputies', 'awaiting', 'approverIds', 'dueAt', 'nextDueAt'],
    sort: { createdAt: 1 },
  },
  delegations: {
    collection: delegationsCollection.name,
    filter: async (uid: ObjectId) => ({ $or: [{ delegatorId: uid }, { delegateId: uid }] }),
    omit: ['startApplied', 'endApplied'],
    sort: { startsAt: 1 },
  },
  projectComments: {
    collection: projectCommentsCollection.name,
    filter: async (uid: ObjectId) => ({ authorId: uid }),
    omit: [],
    sort: { createdAt: 1 },
  },
  consents: { collection: consentsCollection.name, filter: byUser, omit: [], sort: { purpose: 1 } },
  consentHistory: { collection: consentHistoryCollection.name, filter: byUser, omit: [], sort: { at: 1 } },
} satisfies Record<string, SourceSpec>;

export type PersonalSource = keyof typeof SOURCES;

/** Read through the audit service, as the audit API shows entries. */
export const AUDIT_COLLECTION = auditCollection.name;
export const PERSONAL_SOURCES = Object.keys(SOURCES) as PersonalSource[];

/** The collection a source reads (what the export's manifest names). */
export function collectionOfSource(source: PersonalSource): string {
  return SOURCES[source].collection;
}

export interface PersonalRecords {
  collection: string;
  records: PlainRecord[];
}

export interface PersonalDataReader {
  /** Everything `source` holds of the person, oldest first where that means something. */
  read(source: PersonalSource, userId: string): Promise<PersonalRecords>;
}

/** Plain JSON of a stored value: ObjectIds as hex, dates as ISO strings, `_id` as `id`. */
export function plainOf(value: unknown): PlainValue {
  if (value === null || value === undefined) return null;
  if (value instanceof ObjectId) return value.toHexString();
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(plainOf);
  if (typeof value === 'object') {
    if (Buffer.isBuffer(value) || ArrayBuffer.isView(value)) return null;
    const out: { [key: string]: PlainValue } = {};
    for (const [key, inner] of Object.entries(value as Record<string, unknown>))
      out[key === '_id' ? 'id' : key] = plainOf(inner);
    return out;
  }
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  return String(value);
}

export function createPersonalDataReader(collectionOf: (name: string) => Collection<Document>): PersonalDataReader {
  return {
    async read(source, userId) {
      const spec: SourceSpec = SOURCES[source];
      if (!ObjectId.isValid(userId) || userId.length !== 24) return { collection: spec.collection, records: [] };
      const filter = await spec.filter(new ObjectId(userId), { collectionOf });
      if (!filter) return { collection: spec.collection, records: [] };
      const projection = Object.fromEntries(spec.omit.map((field) => [field, 0] as const));
      let cursor = collectionOf(spec.collection).find(filter, spec.omit.length > 0 ? { projection } : {});
      if (spec.sort) cursor = cursor.sort({ ...spec.sort, _id: 1 });
      const docs = await cursor.toArray();
      return { collection: spec.collection, records: docs.map((doc) => plainOf(doc) as PlainRecord) };
    },
  };
}
