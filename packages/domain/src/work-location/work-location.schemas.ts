import { z } from 'zod';
import {
  Comment,
  RejectReason,
  reasonForRejection,
  SeenStage,
  WorkflowSummaryView,
  WorkLocationType,
} from '../approvals/approval.schemas.js';
import { CalendarDay, ExpectedVersion, Id, Instant, PageQuery, SortOf } from '../common/common.schemas.js';
import { PersonRef, WorkLocation } from '../employees/employee.schemas.js';

export { WorkLocationType };

/** The longest request: a year and a day. */
export const MAX_WORK_LOCATION_DAYS = 366;

export const WorkLocationStatus = z
  .enum(['pending', 'approved', 'rejected', 'cancelled'])
  .meta({ id: 'WorkLocationStatus' });
export type WorkLocationStatus = z.infer<typeof WorkLocationStatus>;

const Note = z.string().trim().min(1).max(1000);

function noteForOther(input: { type?: string | undefined; note?: string | null | undefined }, ctx: z.RefinementCtx) {
  if (input.type === 'other' && !input.note) {
    ctx.addIssue({ code: 'custom', path: ['note'], message: 'a request of type other needs a note' });
  }
}

export const CreateWorkLocationRequestInput = z
  .strictObject({
    type: WorkLocationType,
    startDate: CalendarDay,
    endDate: CalendarDay,
    note: Note.optional().meta({ description: 'Why; required for type other.' }),
  })
  .superRefine(noteForOther);
export type CreateWorkLocationRequestInput = z.infer<typeof CreateWorkLocationRequestInput>;

export const WorkLocationRequestView = z
  .object({
    id: Id,
    user: PersonRef,
    type: WorkLocationType,
    startDate: CalendarDay,
    endDate: CalendarDay,
    note: z.string().nullable(),
    status: WorkLocationStatus,
    workflowId: Id,
    approval: WorkflowSummaryView,
    decidedAt: Instant.nullable(),
    version: z.number().int(),
    createdAt: Instant,
    updatedAt: Instant,
  })
  .meta({ id: 'WorkLocationRequest' });
export type WorkLocationRequestView = z.infer<typeof WorkLocationRequestView>;

export const ListWorkLocationRequestsQuery = PageQuery.extend({
  status: WorkLocationStatus.optional(),
  userId: Id.optional(),
  type: WorkLocationType.optional(),
  from: CalendarDay.optional().meta({ description: 'Requests with a day on or after this day.' }),
  to: CalendarDay.optional().meta({ description: 'Requests with a day on or before this day.' }),
  sort: SortOf(['startDate', '-startDate', 'createdAt', '-createdAt'] as const).default('-startDate'),
});
export type ListWorkLocationRequestsQuery = z.infer<typeof ListWorkLocationRequestsQuery>;

/** PATCH: a decision or cancellation through the engine (`action`), or the requester's edit of a pending request (`version` and fields). */
export const UpdateWorkLocationRequestInput = z
  .strictObject({
    id: Id,
    action: z
      .enum(['approve', 'reject', 'cancel'])
      .optional()
      .meta({ description: 'Decide (approvers) or cancel (the requester); leave out to edit.' }),
    comment: Comment.optional(),
    reason: RejectReason.optional().meta({ description: 'Required to reject.' }),
    ...SeenStage,
    version: ExpectedVersion.optional().meta({ description: 'Required to edit: the version you read.' }),
    type: WorkLocationType.optional(),
    startDate: CalendarDay.optional(),
    endDate: CalendarDay.optional(),
    note: Note.nullable().optional(),
  })
  .superRefine((input, ctx) => {
    const edits = (['version', 'type', 'startDate', 'endDate', 'note'] as const).filter((k) => input[k] !== undefined);
    if (input.action !== undefined) {
      for (const key of edits) {
        // (round and stage go with an action; they are not edits)
        ctx.addIssue({ code: 'custom', path: [key], message: 'an action is sent alone; edit in a separate request' });
      }
      reasonForRejection({ decision: input.action, reason: input.reason }, ctx);
      return;
    }
    if (input.version === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['version'],
        message: 'an edit needs the version you read (or send an action)',
      });
    }
    if (
      input.comment !== undefined ||
      input.reason !== undefined ||
      input.round !== undefined ||
      input.stage !== undefined
    ) {
      ctx.addIssue({ code: 'custom', path: ['action'], message: 'comment, reason, round and stage go with an action' });
    }
    noteForOther(input, ctx);
  });
export type UpdateWorkLocationRequestInput = z.infer<typeof UpdateWorkLocationRequestInput>;

export const CurrentLocationQuery = z.object({
  scope: z
    .enum(['me', 'team'])
    .default('me')
    .meta({ description: 'team: your reports down the chain (Managers and above).' }),
  date: CalendarDay.optional().meta({ description: 'Another day than today.' }),
  userId: Id.optional().meta({ description: 'Someone else (HR, Directors and above).' }),
});
export type CurrentLocationQuery = z.infer<typeof CurrentLocationQuery>;

export const LocationSource = z.enum(['request', 'profile', 'default']).meta({ id: 'WorkLocationSource' });

export const CurrentLocationView = z
  .object({
    user: PersonRef,
    date: CalendarDay,
    location: WorkLocationType,
    source: LocationSource.meta({
      description: 'request: an approved request covers the day; profile: the profile’s default; default: wfo.',
    }),
    requestId: Id.nullable(),
    profileWorkLocation: WorkLocation.nullable(),
  })
  .meta({ id: 'CurrentWorkLocation' });
export type CurrentLocationView = z.infer<typeof CurrentLocationView>;
