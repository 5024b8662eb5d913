import { z } from 'zod';
import { CatalogRef } from '../catalogs/catalog.schemas.js';
import { dayNumber } from '../common/calendar-days.js';
import {
  CalendarDay,
  ExpectedVersion,
  Id,
  Instant,
  listOf,
  PageQuery,
  QueryFlag,
  QueryText,
  SearchTerm,
  SortOf,
} from '../common/common.schemas.js';
import { CapacityFlag, PersonRef } from '../employees/employee.schemas.js';
import { DownloadLinkView, FileStatus } from '../files/file.schemas.js';

export const PROJECT_STATUSES = ['planned', 'active', 'onHold', 'completed', 'archived'] as const;
export const ProjectStatus = z.enum(PROJECT_STATUSES).meta({ id: 'ProjectStatus' });
export type ProjectStatus = z.infer<typeof ProjectStatus>;

/**
 * The lifecycle. Archiving (DELETE) is open from every state and final; the
 * others follow this table.
 */
export const PROJECT_TRANSITIONS: Readonly<Record<ProjectStatus, readonly ProjectStatus[]>> = {
  planned: ['active', 'onHold', 'completed'],
  active: ['onHold', 'completed'],
  onHold: ['active', 'completed'],
  completed: ['active'],
  archived: [],
};

export function canMoveProject(from: ProjectStatus, to: ProjectStatus): boolean {
  return from === to || PROJECT_TRANSITIONS[from].includes(to);
}

export const MAX_PROJECT_TAGS = 20;

const ProjectName = z.string().trim().min(1).max(200);
const ProjectCode = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/, 'letters, digits, dot, dash or underscore; at most 32');
const Tag = z.string().trim().min(1).max(40);
const Tags = z
  .array(Tag)
  .max(MAX_PROJECT_TAGS)
  .transform((tags) => [...new Map(tags.map((t) => [t.toLowerCase(), t])).values()]);

/** A period whose end, when given, is not before its start. */
function periodIsOrdered(value: { startDate?: string | undefined; endDate?: string | null | undefined }): boolean {
  return !value.startDate || !value.endDate || dayNumber(value.endDate) >= dayNumber(value.startDate);
}
const periodIssue = { message: 'endDate must not be before startDate', path: ['endDate'] };

export const ProjectView = z
  .object({
    id: Id,
    name: z.string(),
    code: z.string().nullable(),
    description: z.string(),
    status: ProjectStatus,
    startDate: CalendarDay,
    endDate: CalendarDay.nullable().meta({ description: 'Null: no planned end.' }),
    tags: z.array(z.string()),
    type: CatalogRef.nullable().meta({ description: 'A project catalog item (the kind of project).' }),
    leads: z.array(PersonRef).meta({ description: 'Current and planned leads, from the roster.' }),
    memberCount: z.number().int().min(0).meta({ description: 'People on the roster today or later.' }),
    archivedAt: Instant.nullable(),
    version: z.number().int(),
    createdAt: Instant,
    updatedAt: Instant,
  })
  .meta({ id: 'Project' });
export type ProjectView = z.infer<typeof ProjectView>;

export const ProjectSummary = ProjectView.omit({ leads: true, memberCount: true }).meta({ id: 'ProjectSummary' });
export type ProjectSummary = z.infer<typeof ProjectSummary>;

export const CreateProjectInput = z
  .strictObject({
    name: ProjectName,
    code: ProjectCode.nullable().optional(),
    description: z.string().trim().max(5000).default(''),
    status: z.enum(['planned', 'active']).default('planned'),
    startDate: CalendarDay,
    endDate: CalendarDay.nullable().optional(),
    tags: Tags.default([]),
    typeId: Id.nullable().optional(),
  })
  .refine(periodIsOrdered, periodIssue);
export type CreateProjectInput = z.infer<typeof CreateProjectInput>;

export const UpdateProjectInput = z
  .strictObject({
    id: Id,
    version: ExpectedVersion,
    name: ProjectName.optional(),
    code: ProjectCode.nullable().optional(),
    description: z.string().trim().max(5000).optional(),
    status: ProjectStatus.exclude(['archived'])
      .optional()
      .meta({ description: 'planned → active/onHold/completed, active ⇄ onHold, → completed, completed → active.' }),
    startDate: CalendarDay.optional(),
    endDate: CalendarDay.nullable().optional(),
    tags: Tags.optional(),
    typeId: Id.nullable().optional(),
    adjustAllocations: z.boolean().optional().meta({
      description:
        'With new dates: shorten (or drop) allocations that would lie outside the new period instead of refusing (422).',
    }),
  })
  .refine(periodIsOrdered, periodIssue);
export type UpdateProjectInput = z.infer<typeof UpdateProjectInput>;

export const ArchiveProjectInput = z.strictObject({
  id: Id,
  version: z.coerce.number().int().min(1).optional().meta({ description: 'Refuse if the project changed since.' }),
});
export type ArchiveProjectInput = z.infer<typeof ArchiveProjectInput>;

export const ProjectSort = SortOf(['name', '-name', 'startDate', '-startDate', 'createdAt', '-createdAt']);

export const ListProjectsQuery = PageQuery.extend({
  status: z
    .string()
    .trim()
    .optional()
    .transform((value, ctx) => {
      if (!value) return undefined;
      const statuses = value.split(',').map((s) => s.trim());
      for (const status of statuses) {
        if (!ProjectStatus.safeParse(status).success) {
          ctx.addIssue({ code: 'custom', message: `unknown status "${status}"` });
          return z.NEVER;
        }
      }
      return statuses as ProjectStatus[];
    })
    .meta({ description: 'Comma-separated statuses; every status but archived when absent.' }),
  q: SearchTerm.optional().meta({ description: 'Prefix of a word of the name, or of the code.' }),
  tag: QueryText(40).optional(),
  member: Id.optional().meta({ description: 'Projects this person is on the roster of, today or later.' }),
  type: Id.optional(),
  sort: ProjectSort.default('name'),
}).strict();
export type ListProjectsQuery = z.infer<typeof ListProjectsQuery>;

// ---- Roster ----

export const RosterRole = z.enum(['lead', 'member']).meta({ id: 'RosterRole' });
export type RosterRole = z.infer<typeof RosterRole>;

export const AllocationPercent = z
  .number()
  .int()
  .min(1)
  .max(100)
  .meta({ description: 'Share of full time on this project, 1–100.' });

export const AllocationSegmentView = z
  .object({
    id: Id,
    role: RosterRole,
    allocationPercent: z.number(),
    startDate: CalendarDay,
    endDate: CalendarDay.nullable(),
    recordedAt: Instant,
    recordedBy: Id.nullable(),
    supersededAt: Instant.nullable().meta({ description: 'When a later change replaced it (history only).' }),
  })
  .meta({ id: 'AllocationSegment' });
export type AllocationSegmentView = z.infer<typeof AllocationSegmentView>;

export const RosterEntryView = z
  .object({
    userId: Id,
    name: z.string(),
    email: z.string(),
    role: RosterRole.meta({ description: 'Role today, or on the first planned day.' }),
    allocationPercent: z.number().meta({ description: 'Allocation today, or on the first planned day.' }),
    startDate: CalendarDay,
    endDate: CalendarDay.nullable(),
    state: z.enum(['current', 'planned', 'past']),
    capacity: CapacityFlag.meta({ description: 'The person’s whole allocation: the red halo.' }),
    segments: z.array(AllocationSegmentView),
  })
  .meta({ id: 'RosterEntry' });
export type RosterEntryView = z.infer<typeof RosterEntryView>;

export const RosterView = listOf(RosterEntryView).meta({ id: 'Roster' });
export type RosterView = z.infer<typeof RosterView>;

export const RosterQuery = z.strictObject({
  id: Id,
  include: z.enum(['current', 'all', 'history']).default('current').meta({
    description:
      'current: people on the project today or later; all: past members too; history: also every superseded segment.',
  }),
});
export type RosterQuery = z.infer<typeof RosterQuery>;

const OverAllocationOverride = z
  .boolean()
  .optional()
  .meta({ description: 'Manager or above: accept an allocation above 100% under the block policy (audited).' });

const rosterAdditionShape = {
  userId: Id,
  role: RosterRole.default('member'),
  allocationPercent: AllocationPercent,
  startDate: CalendarDay.optional().meta({ description: 'Defaults to the project’s start (or today if later).' }),
  endDate: CalendarDay.nullable().optional().meta({ description: 'Defaults to the project’s end.' }),
  allowOverAllocation: OverAllocationOverride,
};

export const AddRosterMemberInput = z
  .strictObject({ id: Id, ...rosterAdditionShape })
  .refine(periodIsOrdered, periodIssue);
export type AddRosterMemberInput = z.infer<typeof AddRosterMemberInput>;

export const MAX_BULK_ROSTER_ADDITIONS = 50;

/** One person of a bulk addition: the same fields as a single addition. */
export const RosterAddition = z
  .strictObject(rosterAdditionShape)
  .refine(periodIsOrdered, periodIssue)
  .meta({ id: 'RosterAddition' });
export type RosterAddition = z.infer<typeof RosterAddition>;

export const AddRosterMembersInput = z.strictObject({
  id: Id,
  members: z
    .array(RosterAddition)
    .min(1)
    .max(MAX_BULK_ROSTER_ADDITIONS)
    .meta({
      description: `1–${MAX_BULK_ROSTER_ADDITIONS} people, each like a single addition; a person may appear more than once for stints that do not overlap.`,
    }),
});
export type AddRosterMembersInput = z.infer<typeof AddRosterMembersInput>;

export const UpdateRosterMemberInput = z
  .strictObject({
    id: Id,
    userId: Id,
    role: RosterRole.optional(),
    allocationPercent: AllocationPercent.optional(),
    effectiveFrom: CalendarDay.optional().meta({
      description: 'The first day the new role or allocation applies; today (or the first planned day) by default.',
    }),
    startDate: CalendarDay.optional().meta({ description: 'Move the first day (only before it has come).' }),
    endDate: CalendarDay.nullable().optional(),
    allowOverAllocation: OverAllocationOverride,
  })
  .refine(periodIsOrdered, periodIssue);
export type UpdateRosterMemberInput = z.infer<typeof UpdateRosterMemberInput>;

export const RemoveRosterMemberInput = z.strictObject({
  id: Id,
  userId: Id,
  lastDay: CalendarDay.optional().meta({
    description: 'Last day on the project; yesterday by default (days not yet begun are dropped).',
  }),
});
export type RemoveRosterMemberInput = z.infer<typeof RemoveRosterMemberInput>;

/** 409 CAPACITY_EXCEEDED details (and the warning under the warn policy). */
export const CapacityBreachView = z
  .object({
    userId: Id,
    start: CalendarDay,
    end: CalendarDay.nullable().meta({ description: 'Null: from start on, with no end.' }),
    totalPercent: z.number(),
    availablePercent: z.number(),
    allocations: z.array(
      z.object({ projectId: Id, projectName: z.string(), allocationPercent: z.number(), segmentId: Id }),
    ),
  })
  .meta({ id: 'CapacityBreach' });
export type CapacityBreachView = z.infer<typeof CapacityBreachView>;

export const RosterChangeResult = z
  .object({
    entry: RosterEntryView.nullable().meta({
      description: 'Null when the person no longer has any day on the project.',
    }),
    warning: CapacityBreachView.nullable().meta({
      description: 'Set when the change leaves the person above 100% (warn policy, or an override).',
    }),
  })
  .meta({ id: 'RosterChangeResult' });
export type RosterChangeResult = z.infer<typeof RosterChangeResult>;

/** Why one person of a bulk addition was not added: the code and details a single addition would have answered. */
export const RosterRefusalView = z
  .object({
    code: z.string().meta({ description: 'The error code, e.g. CAPACITY_EXCEEDED or ROSTER_OVERLAP.' }),
    message: z.string(),
    details: z.unknown().optional(),
  })
  .meta({ id: 'RosterRefusal' });
export type RosterRefusalView = z.infer<typeof RosterRefusalView>;

export const BulkRosterResult = z
  .object({
    items: z
      .array(
        z.object({
          index: z.number().int().min(0).meta({ description: 'Position of the member in the request.' }),
          userId: Id,
          outcome: z.enum(['added', 'refused']),
          entry: RosterEntryView.nullable().meta({ description: 'The person’s roster entry once added.' }),
          warning: CapacityBreachView.nullable(),
          error: RosterRefusalView.nullable().meta({
            description:
              'Set for a person refused at the write: a change of theirs on another project landed after the check and they no longer fit. The others stay added.',
          }),
        }),
      )
      .meta({ description: 'One per member, in the request’s order.' }),
  })
  .meta({ id: 'BulkRosterResult' });
export type BulkRosterResult = z.infer<typeof BulkRosterResult>;

// ---- Capacity ----

const rangeShape = {
  from: CalendarDay.optional().meta({ description: 'First day; today by default.' }),
  to: CalendarDay.optional().meta({ description: 'Last day; 89 days after from by default; at most 2 years on.' }),
};
function rangeIsOrdered(v: { from?: string | undefined; to?: string | undefined }): boolean {
  return !v.from || !v.to || dayNumber(v.to) >= dayNumber(v.from);
}
const rangeIssue = { message: 'to must not be before from', path: ['to'] };

export const EmployeeCapacityQuery = z.strictObject({ id: Id, ...rangeShape }).refine(rangeIsOrdered, rangeIssue);
export type EmployeeCapacityQuery = z.infer<typeof EmployeeCapacityQuery>;

export const MAX_CAPACITY_RANGE_DAYS = 731;

export const CapacityAllocationView = z.object({
  segmentId: Id,
  projectId: Id,
  projectName: z.string(),
  role: RosterRole,
  allocationPercent: z.number(),
});

export const CapacityIntervalView = z
  .object({
    start: CalendarDay,
    end: CalendarDay,
    allocationPercent: z.number(),
    availablePercent: z.number(),
    overAllocated: z.boolean(),
    allocations: z.array(CapacityAllocationView),
  })
  .meta({ id: 'CapacityInterval' });
export type CapacityIntervalView = z.infer<typeof CapacityIntervalView>;

export const EmployeeCapacityView = z
  .object({
    employeeId: Id,
    from: CalendarDay,
    to: CalendarDay,
    current: CapacityFlag.meta({ description: 'Today, and whether anything from today on is above 100%.' }),
    peak: CapacityIntervalView.nullable(),
    averagePercent: z.number(),
    overAllocations: z.array(CapacityIntervalView),
    timeline: z.array(CapacityIntervalView),
  })
  .meta({ id: 'EmployeeCapacity' });
export type EmployeeCapacityView = z.infer<typeof EmployeeCapacityView>;

export const CapacityReportQuery = z
  .strictObject({
    ...rangeShape,
    format: z.enum(['json', 'csv']).default('json'),
    view: z.enum(['people', 'projects']).default('people').meta({ description: 'Which table the CSV holds.' }),
    department: z.string().trim().min(1).max(100).optional(),
    overAllocatedOnly: QueryFlag.default(false).meta({
      description: 'List only the people above 100% somewhere in the range.',
    }),
  })
  .refine(rangeIsOrdered, rangeIssue);
export type CapacityReportQuery = z.infer<typeof CapacityReportQuery>;

export const OverAllocationView = z.object({ start: CalendarDay, end: CalendarDay, peakPercent: z.number() });

export const CapacityReportView = z
  .object({
    from: CalendarDay,
    to: CalendarDay,
    days: z.number().int(),
    generatedAt: Instant,
    people: z.array(
      z.object({
        employee: PersonRef,
        department: z.string().nullable(),
        averagePercent: z.number(),
        peakPercent: z.number(),
        overAllocatedDays: z.number().int(),
        overAllocations: z.array(OverAllocationView),
      }),
    ),
    overAllocated: z.array(PersonRef).meta({ description: 'People above 100% somewhere in the range.' }),
    projects: z.array(
      z.object({
        project: z.object({ id: Id, name: z.string() }),
        averageFte: z.number(),
        personDays: z.number(),
        people: z.number().int(),
      }),
    ),
  })
  .meta({ id: 'CapacityReport' });
export type CapacityReportView = z.infer<typeof CapacityReportView>;

/** A download: REST answers with `body` as the response (its content type); tRPC returns this object. */
export const FileDownloadView = z
  .object({ format: z.literal('csv'), fileName: z.string(), contentType: z.string(), body: z.string() })
  .meta({ id: 'FileDownload' });
export type FileDownloadView = z.infer<typeof FileDownloadView>;

// ---- Comments ----

export const MAX_COMMENT_LENGTH = 10_000;

/**
 * Comment text is stored exactly as sent and returned as plain text: it is
 * never interpreted as HTML or Markdown here, and frontends must render it as
 * text (escape it) or through a sanitising renderer.
 */
const CommentBody = z
  .string()
  .max(MAX_COMMENT_LENGTH)
  .refine((body) => body.trim().length > 0, 'must not be empty')
  .meta({ description: `Plain text, stored as sent; at most ${MAX_COMMENT_LENGTH} characters.` });

export const ProjectCommentView = z
  .object({
    id: Id,
    projectId: Id,
    author: PersonRef,
    body: z.string(),
    editedAt: Instant.nullable(),
    version: z.number().int(),
    createdAt: Instant,
  })
  .meta({ id: 'ProjectComment' });
export type ProjectCommentView = z.infer<typeof ProjectCommentView>;

export const ListCommentsQuery = PageQuery.extend({
  id: Id,
  order: z.enum(['newest', 'oldest']).default('newest'),
}).strict();
export type ListCommentsQuery = z.infer<typeof ListCommentsQuery>;

export const AddCommentInput = z.strictObject({ id: Id, body: CommentBody });
export type AddCommentInput = z.infer<typeof AddCommentInput>;

export const EditCommentInput = z.strictObject({ id: Id, commentId: Id, version: ExpectedVersion, body: CommentBody });
export type EditCommentInput = z.infer<typeof EditCommentInput>;

export const DeleteCommentInput = z.strictObject({ id: Id, commentId: Id });
export type DeleteCommentInput = z.infer<typeof DeleteCommentInput>;

// ---- Documents ----

export const DocumentVersionView = z
  .object({
    version: z.number().int().min(1),
    fileId: Id,
    fileName: z.string(),
    contentType: z.string(),
    size: z.number().int(),
    status: FileStatus,
    uploadedBy: PersonRef.nullable(),
    uploadedAt: Instant,
  })
  .meta({ id: 'DocumentVersion' });

export const ProjectDocumentView = z
  .object({
    id: Id,
    projectId: Id,
    name: z.string(),
    latestVersion: z.number().int(),
    versions: z.array(DocumentVersionView).meta({ description: 'Newest first.' }),
    createdAt: Instant,
    updatedAt: Instant,
  })
  .meta({ id: 'ProjectDocument' });
export type ProjectDocumentView = z.infer<typeof ProjectDocumentView>;

export const ProjectDocumentDownloadView = ProjectDocumentView.extend({
  version: z.number().int().meta({ description: 'The version the link downloads.' }),
  download: DownloadLinkView.nullable().meta({ description: 'Null while the file cannot be served (scan pending).' }),
}).meta({ id: 'ProjectDocumentDownload' });
export type ProjectDocumentDownloadView = z.infer<typeof ProjectDocumentDownloadView>;

export const ListDocumentsQuery = PageQuery.extend({
  id: Id,
  q: SearchTerm.optional(),
}).strict();
export type ListDocumentsQuery = z.infer<typeof ListDocumentsQuery>;

export const GetDocumentInput = z.strictObject({
  id: Id,
  docId: Id,
  version: z.coerce.number().int().min(1).optional().meta({ description: 'Which version; the latest by default.' }),
});
export type GetDocumentInput = z.infer<typeof GetDocumentInput>;

export const DeleteDocumentInput = z.strictObject({ id: Id, docId: Id });
export type DeleteDocumentInput = z.infer<typeof DeleteDocumentInput>;

export const MAX_DOCUMENT_NAME = 200;
