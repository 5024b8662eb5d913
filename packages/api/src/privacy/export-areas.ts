import {
  AUDIT_COLLECTION,
  type PersonalRecords,
  type PersonalSource,
  type PlainRecord,
  type PlainValue,
  type Repositories,
} from '@seed-pms/db';
import { type ExportArea, MAX_PAGE_LIMIT, toCsv } from '@seed-pms/domain';
import type { AuditEntry, AuditService } from '../audit/audit.service.js';
import type { PersonalDataBox } from '../employees/personal-data.js';

/**
 * What one area of a personal-data export holds: its JSON, its CSV (tabular
 * areas), the collections it was read from with how many records each gave,
 * and the files it adds (receipts).
 */
export interface AreaContent {
  json: Record<string, unknown>;
  csv: string | null;
  /** The collections it was read from, with how many records each gave (the manifest's `collections`). */
  readFrom: { name: string; count: number }[];
  /** Receipts to add to the ZIP: a file id and the name it is saved under. */
  files: { fileId: string; path: string }[];
}

export interface AreaDeps {
  repos: Repositories;
  audit: AuditService;
  personalData: PersonalDataBox;
  now: Date;
}

type Builder = (userId: string, deps: AreaDeps) => Promise<AreaContent>;

const str = (value: PlainValue | undefined): string | null =>
  value === null || value === undefined ? null : typeof value === 'string' ? value : JSON.stringify(value);
const num = (value: PlainValue | undefined): number | null => (typeof value === 'number' ? value : null);
const ids = (records: readonly PlainRecord[], field: string): string[] => [
  ...new Set(records.map((r) => r[field]).filter((v): v is string => typeof v === 'string')),
];

async function read(deps: AreaDeps, userId: string, sources: readonly PersonalSource[]) {
  const found = new Map<PersonalSource, PersonalRecords>();
  for (const source of sources) found.set(source, await deps.repos.personalData.read(source, userId));
  const of = (source: PersonalSource): PlainRecord[] => found.get(source)?.records ?? [];
  const collections = (counts?: Partial<Record<PersonalSource, number>>) => {
    // One entry per collection (two sources may read the same one), counting what this area shows.
    const byName = new Map<string, number>();
    for (const [source, result] of found) {
      byName.set(result.collection, (byName.get(result.collection) ?? 0) + (counts?.[source] ?? result.records.length));
    }
    return [...byName].map(([name, count]) => ({ name, count }));
  };
  return { of, collections };
}

/** The approval workflows of the person's requests of one kind (their timelines: stages and decisions). */
const workflowsOfKind = (records: readonly PlainRecord[], kind: string) => records.filter((r) => r.kind === kind);

const profile: Builder = async (userId, deps) => {
  const { of, collections } = await read(deps, userId, ['employees', 'files']);
  const employee = of('employees')[0] ?? null;
  const skills = Array.isArray(employee?.skills) ? (employee.skills as PlainRecord[]) : [];
  const hobbyIds = Array.isArray(employee?.hobbyIds) ? (employee.hobbyIds as string[]) : [];
  const catalogIds = [
    ...ids(skills, 'catalogId'),
    ...hobbyIds,
    ...(typeof employee?.designationId === 'string' ? [employee.designationId] : []),
  ];
  const items = await deps.repos.catalogs.getMany(catalogIds);
  const manager = typeof employee?.managerId === 'string' ? employee.managerId : null;
  const cards = await deps.repos.employees.cards(manager ? [manager] : []);
  const documents = of('files').filter((f) => f.purpose !== 'expense-receipt');
  return {
    json: {
      profile: employee
        ? {
            ...employee,
            // Stored sealed (AES-256-GCM); the person's own data, shown opened.
            personal: deps.personalData.open(typeof employee.personal === 'string' ? employee.personal : null),
            designation:
              typeof employee.designationId === 'string'
                ? { id: employee.designationId, name: items.get(employee.designationId)?.name ?? null }
                : null,
            manager: manager ? { id: manager, name: cards.get(manager)?.name ?? null } : null,
            skills: skills.map((s) => ({
              catalogId: s.catalogId,
              name: typeof s.catalogId === 'string' ? (items.get(s.catalogId)?.name ?? null) : null,
              level: s.level,
            })),
            hobbies: hobbyIds.map((id) => ({ id, name: items.get(id)?.name ?? null })),
          }
        : null,
      documents,
    },
    csv: null,
    readFrom: collections({ files: documents.length }),
    files: [],
  };
};

const account: Builder = async (userId, deps) => {
  const { of, collections } = await read(deps, userId, ['users', 'sessions', 'delegations']);
  const user = of('users')[0] ?? null;
  const record = await deps.repos.users.get(userId);
  return {
    json: {
      // Never the password hash, the TOTP secret or the recovery codes' hashes: only whether MFA is on.
      user: user
        ? {
            ...user,
            mfa: { enabled: record?.mfa?.enabled ?? false, enabledAt: record?.mfa?.enabledAt?.toISOString() ?? null },
          }
        : null,
      sessions: of('sessions'),
      approvalDelegations: of('delegations'),
    },
    csv: null,
    readFrom: collections(),
    files: [],
  };
};

const allocations: Builder = async (userId, deps) => {
  const { of, collections } = await read(deps, userId, ['assignments', 'capacityLedger']);
  const history = of('assignments');
  const ledger = of('capacityLedger')[0] ?? null;
  const segments = Array.isArray(ledger?.segments) ? (ledger.segments as PlainRecord[]) : [];
  const names = await deps.repos.projects.names([...ids(history, 'projectId'), ...ids(segments, 'projectId')]);
  const withProject = (r: PlainRecord) => ({
    ...r,
    projectName: typeof r.projectId === 'string' ? (names.get(r.projectId) ?? null) : null,
  });
  return {
    json: {
      allocations: segments.map(withProject),
      history: history.map(withProject),
    },
    csv: toCsv(
      ['projectId', 'projectName', 'role', 'percent', 'startDate', 'endDate', 'recordedAt', 'supersededAt'],
      history.map((r) => [
        str(r.projectId),
        typeof r.projectId === 'string' ? (names.get(r.projectId) ?? null) : null,
        str(r.role),
        num(r.percent),
        str(r.startDate),
        str(r.endDate),
        str(r.recordedAt),
        str(r.supersededAt),
      ]),
    ),
    readFrom: collections(),
    files: [],
  };
};

const leave: Builder = async (userId, deps) => {
  const { of, collections } = await read(deps, userId, [
    'leaveRequests',
    'leaveLedger',
    'leaveBalances',
    'approvalWorkflows',
  ]);
  const requests = of('leaveRequests');
  const workflows = workflowsOfKind(of('approvalWorkflows'), 'leave');
  return {
    json: { requests, balances: of('leaveBalances'), ledger: of('leaveLedger'), approvals: workflows },
    csv: toCsv(
      ['id', 'typeId', 'startDate', 'endDate', 'startHalf', 'endHalf', 'amount', 'status', 'reason', 'createdAt'],
      requests.map((r) => [
        str(r.id),
        str(r.typeId),
        str(r.startDate),
        str(r.endDate),
        str(r.startHalf),
        str(r.endHalf),
        num(r.amount),
        str(r.status),
        str(r.reason),
        str(r.createdAt),
      ]),
    ),
    readFrom: collections({ approvalWorkflows: workflows.length }),
    files: [],
  };
};

const attendance: Builder = async (userId, deps) => {
  const { of, collections } = await read(deps, userId, ['attendanceDays', 'corrections', 'approvalWorkflows']);
  const days = of('attendanceDays');
  const workflows = workflowsOfKind(of('approvalWorkflows'), 'timeChange');
  const punchesOf = (day: PlainRecord) => (Array.isArray(day.punches) ? (day.punches as PlainRecord[]) : []);
  return {
    json: { days, corrections: of('corrections'), approvals: workflows },
    csv: toCsv(
      ['date', 'state', 'workLocation', 'punches', 'firstPunchAt', 'lastPunchAt', 'flags', 'corrected'],
      days.map((d) => {
        const punches = punchesOf(d);
        return [
          str(d.date),
          str(d.state),
          str(d.workLocation),
          punches.map((p) => `${str(p.type) ?? ''} ${str(p.at) ?? ''}`).join('; '),
          str(punches[0]?.at),
          str(punches[punches.length - 1]?.at),
          Array.isArray(d.flags) ? d.flags.join(' ') : null,
          Array.isArray(d.overlays) && d.overlays.length > 0 ? 'yes' : 'no',
        ];
      }),
    ),
    readFrom: collections({ approvalWorkflows: workflows.length }),
    files: [],
  };
};

const workLocation: Builder = async (userId, deps) => {
  const { of, collections } = await read(deps, userId, ['workLocationRequests', 'approvalWorkflows']);
  const workflows = workflowsOfKind(of('approvalWorkflows'), 'workLocation');
  return {
    json: { requests: of('workLocationRequests'), approvals: workflows },
    csv: null,
    readFrom: collections({ approvalWorkflows: workflows.length }),
    files: [],
  };
};

/** A receipt's name inside the ZIP: no path, no control characters. */
const safeName = (name: string) =>
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
  name.replace(/[\u0000-\u001f\u007f/\\]/g, '_').slice(0, 200) || 'receipt';

const expenses: Builder = async (userId, deps) => {
  const { of, collections } = await read(deps, userId, [
    'expenses',
    'expenseAttachments',
    'files',
    'approvalWorkflows',
  ]);
  const claims = of('expenses');
  const receipts = of('files').filter((f) => f.purpose === 'expense-receipt');
  const workflows = workflowsOfKind(of('approvalWorkflows'), 'expense');
  // Receipts still in storage and fit to serve (not deleted, not infected or still scanned).
  const stored = await deps.repos.files.getMany(ids(receipts, 'id'));
  const files = [...stored.values()]
    .filter((f) => !f.deletedAt && (f.status === 'clean' || f.status === 'unscanned'))
    .map((f) => ({ fileId: f.id, path: `expenses/receipts/${f.id}-${safeName(f.name)}` }));
  const pathOf = new Map(files.map((f) => [f.fileId, f.path]));
  return {
    json: {
      claims,
      receipts: receipts.map((r) => ({ ...r, file: typeof r.id === 'string' ? (pathOf.get(r.id) ?? null) : null })),
      receiptsUploadedAhead: of('expenseAttachments'),
      approvals: workflows,
    },
    csv: toCsv(
      [
        'id',
        'expenseDate',
        'categoryId',
        'description',
        'amountMinor',
        'currency',
        'baseAmountMinor',
        'baseCurrency',
        'status',
        'projectId',
        'receipts',
        'submittedAt',
      ],
      claims.map((c) => {
        const amount = (c.amount ?? {}) as PlainRecord;
        const base = (c.base ?? {}) as PlainRecord;
        return [
          str(c.id),
          str(c.expenseDate),
          str(c.categoryId),
          str(c.description),
          num(amount.minor),
          str(amount.currency),
          num(base.minor),
          str(base.currency),
          str(c.status),
          str(c.projectId),
          Array.isArray(c.receiptFileIds) ? c.receiptFileIds.length : 0,
          str(c.submittedAt),
        ];
      }),
    ),
    readFrom: collections({ files: receipts.length, approvalWorkflows: workflows.length }),
    files,
  };
};

const messages: Builder = async (userId, deps) => {
  const { of, collections } = await read(deps, userId, ['threads', 'messages', 'projectComments']);
  const comments = of('projectComments');
  const projectNames = await deps.repos.projects.names(ids(comments, 'projectId'));
  const threads = of('threads');
  const all = of('messages');
  // The other participant: by id and name (a colleague's name is what the person already sees).
  const otherOf = new Map<string, string | null>();
  for (const thread of threads) {
    const participants = Array.isArray(thread.participantIds) ? (thread.participantIds as string[]) : [];
    otherOf.set(String(thread.id), participants.find((p) => p !== userId) ?? null);
  }
  const cards = await deps.repos.employees.cards([...new Set([...otherOf.values()].filter((v) => v !== null))]);
  const person = (id: string | null) => (id ? { id, name: cards.get(id)?.name ?? null } : null);
  const own = (id: string) => (id === userId ? { id, name: 'you' } : person(id));
  return {
    json: {
      threads: threads.map((t) => {
        // Only the person's own read marker and digest state; the other side's read receipt is what they see too.
        const sides = Array.isArray(t.sides) ? (t.sides as PlainRecord[]) : [];
        return {
          id: t.id,
          participant: person(otherOf.get(String(t.id)) ?? null),
          createdAt: t.createdAt,
          lastActivityAt: t.lastActivityAt,
          me: sides.find((s) => s.userId === userId) ?? null,
          them:
            sides.filter((s) => s.userId !== userId).map((s) => ({ readUpTo: s.readUpTo, readAt: s.readAt }))[0] ??
            null,
        };
      }),
      messages: all.map((m) => {
        const other = otherOf.get(String(m.threadId)) ?? null;
        const sent = m.senderId === userId;
        return {
          id: m.id,
          threadId: m.threadId,
          seq: m.seq,
          direction: sent ? 'sent' : 'received',
          sender: own(String(m.senderId)),
          recipient: sent ? person(other) : own(userId),
          body: m.body,
          createdAt: m.createdAt,
        };
      }),
      // What the person wrote in project discussions.
      projectComments: comments.map((c) => ({
        ...c,
        projectName: typeof c.projectId === 'string' ? (projectNames.get(c.projectId) ?? null) : null,
      })),
    },
    csv: toCsv(
      [
        'threadId',
        'messageId',
        'createdAt',
        'direction',
        'senderId',
        'senderName',
        'recipientId',
        'recipientName',
        'body',
      ],
      all.map((m) => {
        const other = otherOf.get(String(m.threadId)) ?? null;
        const sent = m.senderId === userId;
        const senderId = String(m.senderId);
        const recipientId = sent ? other : userId;
        const nameOf = (id: string | null) => (id === null ? null : (cards.get(id)?.name ?? null));
        return [
          str(m.threadId),
          str(m.id),
          str(m.createdAt),
          sent ? 'sent' : 'received',
          senderId,
          sent ? null : nameOf(senderId),
          recipientId,
          sent ? nameOf(recipientId) : null,
          str(m.body),
        ];
      }),
    ),
    readFrom: collections(),
    files: [],
  };
};

const notifications: Builder = async (userId, deps) => {
  const { of, collections } = await read(deps, userId, ['notifications', 'notificationPreferences']);
  return {
    json: {
      notifications: of('notifications'),
      preferences: of('notificationPreferences')[0] ?? null,
    },
    csv: null,
    readFrom: collections(),
    files: [],
  };
};

const consents: Builder = async (userId, deps) => {
  const { of, collections } = await read(deps, userId, ['consents', 'consentHistory']);
  return {
    json: { consents: of('consents'), history: of('consentHistory') },
    csv: null,
    readFrom: collections(),
    files: [],
  };
};

/** The audit entries whose actor or resource is the person, as the audit API shows them (oldest first). */
const audit: Builder = async (userId, deps) => {
  const entries = new Map<string, AuditEntry>();
  for (const filter of [{ actorId: userId }, { resourceId: userId }]) {
    let cursor: string | undefined;
    do {
      const page = await deps.audit.list({ ...filter, limit: MAX_PAGE_LIMIT, ...(cursor ? { cursor } : {}) }, deps.now);
      for (const entry of page.items) entries.set(entry.id, entry);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  }
  // What the person did to someone else's record is theirs to know, that person's data in it is not.
  const items = [...entries.values()]
    .sort((a, b) => a.seq - b.seq)
    .map((entry) =>
      entry.subjectId && entry.subjectId !== userId ? { ...entry, changes: null, details: null } : entry,
    );
  return {
    json: { entries: items },
    csv: null,
    readFrom: [{ name: AUDIT_COLLECTION, count: items.length }],
    files: [],
  };
};

export const AREA_BUILDERS: Readonly<Record<ExportArea, Builder>> = {
  profile,
  account,
  allocations,
  leave,
  attendance,
  workLocation,
  expenses,
  messages,
  notifications,
  consents,
  audit,
};
