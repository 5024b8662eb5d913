import {
  ApprovalPolicyParams,
  ApprovalPolicyView,
  DecideInput,
  InboxItemView,
  InboxQuery,
  listOf,
  pageOf,
  UpdateApprovalPolicyInput,
  WorkflowParams,
  WorkflowView,
} from '@seed-pms/domain';
import { z } from 'zod';
import { authedProcedure, router } from '../trpc/trpc.js';

const tags = ['approvals'];

export const approvalsRouter = router({
  inbox: authedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/approvals',
        tags,
        summary: 'Everything you may decide now, across request kinds (by due date; filters kind, overdue)',
      },
    })
    .input(InboxQuery)
    .output(pageOf(InboxItemView))
    .query(({ ctx, input }) => ctx.services.approvals.inbox(ctx, input)),

  get: authedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/approvals/{workflowId}',
        tags,
        summary: 'One workflow’s timeline (its requester, everyone it asked, and HR)',
      },
    })
    .input(WorkflowParams)
    .output(WorkflowView)
    .query(({ ctx, input }) => ctx.services.approvals.get(ctx, input.workflowId)),

  decide: authedProcedure
    .meta({
      errors: ['NOT_AN_APPROVER', 'SELF_APPROVAL', 'ALREADY_DECIDED', 'WORKFLOW_CLOSED', 'RESOURCE_BUSY'],
      openapi: {
        method: 'POST',
        path: '/approvals/{workflowId}/decide',
        tags,
        summary: 'Approve or reject (with a reason) any kind of request you are asked to decide',
      },
    })
    .input(DecideInput)
    .output(WorkflowView)
    .mutation(({ ctx, input }) => ctx.services.approvals.decide(ctx, input)),
});

const adminTags = ['admin'];

export const approvalPoliciesRouter = router({
  list: authedProcedure
    .meta({
      access: { action: 'read', subject: 'ApprovalPolicy' },
      openapi: {
        method: 'GET',
        path: '/admin/approval-policies',
        tags: adminTags,
        summary: 'Every kind’s approval policy',
      },
    })
    .input(z.void())
    .output(listOf(ApprovalPolicyView))
    .query(({ ctx }) => ctx.services.approvals.policies(ctx)),

  get: authedProcedure
    .meta({
      access: { action: 'read', subject: 'ApprovalPolicy' },
      openapi: {
        method: 'GET',
        path: '/admin/approval-policies/{kind}',
        tags: adminTags,
        summary: 'One kind’s policy',
      },
    })
    .input(ApprovalPolicyParams)
    .output(ApprovalPolicyView)
    .query(({ ctx, input }) => ctx.services.approvals.policy(ctx, input.kind)),

  update: authedProcedure
    .meta({
      access: { action: 'update', subject: 'ApprovalPolicy' },
      errors: ['APPROVAL_POLICY_INVALID', 'VERSION_CONFLICT'],
      openapi: {
        method: 'PUT',
        path: '/admin/approval-policies/{kind}',
        tags: adminTags,
        summary: 'Set a kind’s policy: simple, or strict stages (Admin; with version; running workflows keep theirs)',
      },
    })
    .input(UpdateApprovalPolicyInput)
    .output(ApprovalPolicyView)
    .mutation(({ ctx, input }) => ctx.services.approvals.updatePolicy(ctx, input)),
});
