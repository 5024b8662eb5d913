import { normalizeEmail, scrubIdentifiers } from '@seed-pms/domain';
import type { Collection, Document, Filter, ObjectId } from 'mongodb';
import { approvalLinksCollection, delegationsCollection, workflowsCollection } from '../approvals/approval.doc.js';
import { timeChangeRequestsCollection } from '../attendance/attendance.doc.js';
import {
  authTokensCollection,
  type LoginFailureDoc,
  loginFailuresCollection,
  sessionsCollection,
} from '../auth/session.doc.js';
import { type EmployeeDoc, employeesCollection } from '../employees/employee.doc.js';
import { syncEmployeeIdentity } from '../employees/employee.repository.js';
import { expensesCollection } from '../expenses/expense.doc.js';
import { filesCollection } from '../files/file.doc.js';
import { idempotencyCollection } from '../idempotency/idempotency.doc.js';
import { oid } from '../ids.js';
import { leaveLedgerCollection, leaveRequestsCollection } from '../leave/leave.doc.js';
import { messageEventsCollection, messagesCollection, messageThreadsCollection } from '../messaging/messaging.doc.js';
import { notificationPreferencesCollection, notificationsCollection } from '../notifications/notification.doc.js';
import { outboxCollection } from '../outbox/outbox.doc.js';
import { projectCommentsCollection } from '../projects/project.doc.js';
import { type UserDoc, usersCollection } from '../users/user.doc.js';
import { nameKeyOf, userSearchKeys } from '../users/user.insert.js';
import { workLocationRequestsCollection } from '../work-location/work-location.doc.js';

/** Who is erased, the pseudonym they keep, and how to find their identifiers in free text. */
export interface ErasureTargetInput {
  userId: string;
  pseudonym: { name: string; email: string };
  /** identifierPattern() of their name and email: replaced by the pseudonym in others' free text. */
  identifiers: string | null;
  /** The sign-in address they had (noted before the account became a pseudonym): emails to it and its failed sign-ins go. */
  email: string | null;
  now: Date;
}

/** Records changed or removed, per collection. */
export type ErasureCounts = Record<string, number>;

/**
 * The storage side of an erasure (see the inventory's `erasure` column): one
 * method per step, each safe to run again after a crash. The erasure service
 * calls them in order, removes the file bytes between `profileFiles` and
 * `deleteFiles`, and deletes the person's data key last.
 */
export interface PersonalDataEraser {
  /** The account: a pseudonym, no password, MFA or sign-in, archived, `erasedAt` set (first of all, so nothing restores it). */
  pseudonymiseAccount(input: ErasureTargetInput): Promise<ErasureCounts>;
  /** The profile: the pseudonym; bio, contact, personal data, image, hobbies and skills removed. */
  pseudonymiseProfile(input: ErasureTargetInput): Promise<ErasureCounts>;
  /** The person's own files (profile images, their thumbnails, profile documents, leave certificates): where the bytes are. */
  profileFiles(userId: string): Promise<{ id: string; storageKey: string }[]>;
  deleteFiles(ids: readonly string[]): Promise<ErasureCounts>;
  /** Sessions, tokens, decision links, replay answers, live-feed events, notifications, preferences and emails to them. */
  deleteTechnical(input: ErasureTargetInput): Promise<ErasureCounts>;
  /** Free text they wrote or that is about them: reasons, notes, descriptions, decision comments, message and comment bodies. */
  removeFreeText(input: ErasureTargetInput): Promise<ErasureCounts>;
  /** Their name and email in others' free text (messages to them, comments, notifications, emails) replaced by the pseudonym. */
  scrubMentions(input: ErasureTargetInput): Promise<ErasureCounts>;
}

type CollectionOf = (name: string) => Collection<Document>;

async function count(result: Promise<{ modifiedCount?: number; deletedCount?: number }>): Promise<number> {
  const done = await result;
  return (done.modifiedCount ?? 0) + (done.deletedCount ?? 0);
}

/** How often one document's scrub is redone when it changed between the read and the write. */
const SCRUB_ATTEMPTS = 5;

/** Replaces the identifiers in the string fields (`a` or `a.b`) of the documents `filter` finds; answers how many changed. */
async function scrub(
  collection: Collection<Document>,
  filter: Filter<Document>,
  fields: readonly string[],
  input: ErasureTargetInput,
): Promise<number> {
  const pattern = input.identifiers;
  if (!pattern) return 0;
  const matcher = { $regex: pattern, $options: 'i' };
  const found = { $and: [filter, { $or: fields.map((field) => ({ [field]: matcher })) }] };
  const docs = await collection.find(found).toArray();
  let changed = 0;
  for (const first of docs) {
    // Each write is conditional on the text it read, so an edit made meanwhile is never lost: read again and redo.
    let doc: Document | null = first;
    for (let attempt = 0; doc && attempt < SCRUB_ATTEMPTS; attempt++) {
      const set: Record<string, string> = {};
      const was: Record<string, string> = {};
      for (const field of fields) {
        const [head, tail] = field.split('.') as [string, string | undefined];
        const value = tail === undefined ? doc[head] : (doc[head] as Record<string, unknown> | null)?.[tail];
        if (typeof value !== 'string') continue;
        const next = scrubIdentifiers(value, pattern, input.pseudonym.name);
        if (next !== value) {
          set[field] = next;
          was[field] = value;
        }
      }
      if (Object.keys(set).length === 0) break;
      const { modifiedCount } = await collection.updateOne({ _id: doc._id, ...was }, { $set: set });
      if (modifiedCount === 1) {
        changed += 1;
        break;
      }
      doc = await collection.findOne({ _id: doc._id });
    }
  }
  return changed;
}

export function createPersonalDataEraser(collectionOf: CollectionOf): PersonalDataEraser {
  const users = collectionOf(usersCollection.name) as unknown as Collection<UserDoc>;
  const employees = collectionOf(employeesCollection.name) as unknown as Collection<EmployeeDoc>;
  const of = (def: { name: string }) => collectionOf(def.name);

  return {
    async pseudonymiseAccount(input) {
      const _id = oid(input.userId);
      const { name, email } = input.pseudonym;
      const current = await users.findOne({ _id }, { projection: { erasedAt: 1, archivedAt: 1 } });
      if (!current) return { users: 0 };
      const result = await users.updateOne(
        { _id },
        {
          $set: {
            name,
            nameKey: nameKeyOf(name),
            email,
            emailKey: normalizeEmail(email),
            searchKeys: userSearchKeys(name, email),
            passwordHash: null,
            mustChangePassword: false,
            mfa: null,
            lockedUntil: null,
            status: 'archived',
            archivedAt: current.archivedAt ?? input.now,
            archiveReason: 'erased',
            erasedAt: current.erasedAt ?? input.now,
            updatedAt: input.now,
          },
          $inc: { version: 1 },
        },
      );
      return { users: result.modifiedCount };
    },

    async pseudonymiseProfile(input) {
      const _id = oid(input.userId);
      const user = await users.findOne({ _id });
      if (!user) return { employees: 0 };
      await syncEmployeeIdentity(
        employees,
        { _id, name: user.name, email: user.email, status: user.status, version: user.version },
        input.now,
      );
      const result = await employees.updateOne(
        { _id },
        {
          $set: {
            name: user.name,
            bio: '',
            contact: {},
            personal: null,
            image: null,
            hobbyIds: [],
            skills: [],
            skillIds: [],
            updatedAt: input.now,
          },
          $inc: { version: 1 },
        },
      );
      return { employees: result.modifiedCount };
    },

    async profileFiles(userId) {
      const docs = await of(filesCollection)
        .find({ ownerType: 'employee', ownerId: oid(userId) }, { projection: { storageKey: 1 } })
        .toArray();
      return docs.map((doc) => ({ id: (doc._id as ObjectId).toHexString(), storageKey: String(doc.storageKey) }));
    },

    async deleteFiles(ids) {
      if (ids.length === 0) return { files: 0 };
      return { files: await count(of(filesCollection).deleteMany({ _id: { $in: ids.map(oid) } })) };
    },

    async deleteTechnical(input) {
      const uid = oid(input.userId);
      const [sessions, tokens, links, replays, events, notifications, preferences] = await Promise.all([
        count(of(sessionsCollection).deleteMany({ userId: uid })),
        count(of(authTokensCollection).deleteMany({ userId: uid })),
        count(of(approvalLinksCollection).deleteMany({ approverId: uid })),
        count(of(idempotencyCollection).deleteMany({ actorId: input.userId })),
        count(of(messageEventsCollection).deleteMany({ userId: uid })),
        count(of(notificationsCollection).deleteMany({ userId: uid })),
        count(of(notificationPreferencesCollection).deleteMany({ _id: uid })),
      ]);
      // Emails to them, by the address they had (noted before the account became a pseudonym), and its failed sign-ins.
      const outbox = of(outboxCollection);
      const addresses = [input.email, input.pseudonym.email].filter((a): a is string => Boolean(a));
      let emails = await count(outbox.deleteMany({ to: { $in: addresses } }));
      if (input.identifiers) {
        emails += await count(outbox.deleteMany({ to: { $regex: `^(${input.identifiers})$`, $options: 'i' } }));
      }
      const failures = input.email
        ? await count(
            (of(loginFailuresCollection) as unknown as Collection<LoginFailureDoc>).deleteMany({
              _id: normalizeEmail(input.email),
            }),
          )
        : 0;
      return {
        login_failures: failures,
        user_sessions: sessions,
        auth_tokens: tokens,
        approval_links: links,
        idempotency_keys: replays,
        message_events: events,
        notifications,
        notification_preferences: preferences,
        outbox: emails,
      };
    },

    async removeFreeText(input) {
      const uid = oid(input.userId);
      const mine = { userId: uid };
      const [leave, ledger, corrections, workLocation, expenses, delegations, messages, previews, comments] =
        await Promise.all([
          count(of(leaveRequestsCollection).updateMany(mine, { $set: { reason: null } })),
          count(of(leaveLedgerCollection).updateMany(mine, { $set: { reason: null } })),
          count(of(timeChangeRequestsCollection).updateMany(mine, { $set: { reason: '' } })),
          count(of(workLocationRequestsCollection).updateMany(mine, { $set: { note: null } })),
          count(
            of(expensesCollection).updateMany(mine, {
              $set: { description: '', rejectionReason: null, cancelReason: null },
            }),
          ),
          count(of(delegationsCollection).updateMany({ delegatorId: uid }, { $set: { note: null } })),
          count(of(messagesCollection).updateMany({ senderId: uid }, { $set: { body: '' } })),
          count(
            of(messageThreadsCollection).updateMany(
              { participantIds: uid, 'lastMessage.senderId': uid },
              { $set: { 'lastMessage.preview': '' } },
            ),
          ),
          count(of(projectCommentsCollection).updateMany({ authorId: uid }, { $set: { body: '' } })),
        ]);
      // Decision comments and reasons on their requests, and those they wrote on others'.
      // Each write is conditional on the workflow's version (and moves it), so a decision the engine adds
      // meanwhile is neither lost here nor saved over this: the loser reads again.
      const workflows = of(workflowsCollection);
      const mentioned = { $or: [{ requesterId: uid }, { 'decisions.by': uid }] };
      let decided = 0;
      for (const first of await workflows.find(mentioned).toArray()) {
        let doc: Document | null = first;
        for (let attempt = 0; doc && attempt < SCRUB_ATTEMPTS; attempt++) {
          const own = (doc.requesterId as ObjectId).equals(uid);
          const before = doc.decisions as { by: ObjectId | null; comment: string | null; reason: string | null }[];
          const touched = (d: (typeof before)[number]) =>
            (own || d.by?.equals(uid)) && (d.comment !== null || d.reason !== null);
          if (!before.some(touched)) break;
          const decisions = before.map((d) => (touched(d) ? { ...d, comment: null, reason: null } : d));
          const { modifiedCount } = await workflows.updateOne(
            { _id: doc._id, version: doc.version },
            { $set: { decisions }, $inc: { version: 1 } },
          );
          if (modifiedCount === 1) {
            decided += 1;
            break;
          }
          doc = await workflows.findOne({ _id: doc._id });
        }
      }
      return {
        leave_requests: leave,
        leave_ledger: ledger,
        time_change_requests: corrections,
        work_location_requests: workLocation,
        expense_requests: expenses,
        approval_delegations: delegations,
        messages,
        message_threads: previews,
        project_comments: comments,
        approval_workflows: decided,
      };
    },

    async scrubMentions(input) {
      const uid = oid(input.userId);
      const threads = await of(messageThreadsCollection)
        .find({ participantIds: uid }, { projection: { _id: 1 } })
        .toArray();
      const threadIds = threads.map((t) => t._id);
      const hexIds = threadIds.map((id) => (id as ObjectId).toHexString());
      const [messages, replays, previews, comments, notifications, emails, workflows] = await Promise.all([
        threadIds.length === 0
          ? Promise.resolve(0)
          : scrub(of(messagesCollection), { threadId: { $in: threadIds } }, ['body'], input),
        // The other side's live-feed replay of those threads (a week's buffer of copies of the messages).
        hexIds.length === 0
          ? Promise.resolve(0)
          : count(of(messageEventsCollection).deleteMany({ 'event.threadId': { $in: hexIds } })),
        scrub(of(messageThreadsCollection), { participantIds: uid }, ['lastMessage.preview'], input),
        scrub(of(projectCommentsCollection), {}, ['body'], input),
        scrub(of(notificationsCollection), {}, ['title', 'body'], input),
        scrub(of(outboxCollection), {}, ['subject', 'text', 'html'], input),
        scrub(of(workflowsCollection), {}, ['subject.summary'], input),
      ]);
      return {
        messages,
        message_events: replays,
        message_threads: previews,
        project_comments: comments,
        notifications,
        outbox: emails,
        approval_workflows: workflows,
      };
    },
  };
}
