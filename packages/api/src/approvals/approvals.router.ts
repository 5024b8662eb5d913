import {
  ApprovalLinkView,
  ApprovalPolicyParams,
  ApprovalPolicyView,
  CreateDelegationInput,
  DecideInput,
  DelegationParams,
  DelegationView,
  InboxItemView,
  InboxQuery,
  LinkOutcomeView,
  LinkParams,
  ListDelegationsQuery,
  listOf,
  pageOf,
  UpdateApprovalPolicyInput,
  UseLinkInput,
  WorkflowParams,
  WorkflowView,
} from '@seed-pms/domain';
import { z } from 'zod';
import { authedProcedure, publicProcedure, router } from '../trpc/trpc.js';

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

  delegations: authedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/approvals/delegations',
        tags,
        summary: 'Your delegations, given and received (HR: anyone’s, with userId)',
      },
    })
    .input(ListDelegationsQuery)
    .output(pageOf(DelegationView))
    .query(({ ctx, input }) => ctx.services.approvals.delegations(ctx, input)),

  delegate: authedProcedure
    .meta({
      errors: ['DELEGATION_TO_SELF', 'DELEGATION_OVERLAP', 'DELEGATE_UNAVAILABLE', 'DAYS_IN_PAST', 'PERIOD_TOO_LONG'],
      openapi: {
        method: 'POST',
        path: '/approvals/delegations',
        successStatus: 201,
        tags,
        summary: 'From day to day, someone decides your approvals (HR: for someone absent, with delegatorId)',
      },
    })
    .input(CreateDelegationInput)
    .output(DelegationView)
    .mutation(({ ctx, input }) => ctx.services.approvals.delegate(ctx, input)),

  endDelegation: authedProcedure
    .meta({
      errors: ['DELEGATION_ENDED', 'VERSION_CONFLICT'],
      openapi: {
        method: 'DELETE',
        path: '/approvals/delegations/{id}',
        tags,
        summary: 'End a delegation now (its delegator, whoever set it, or HR); pending stages are re-resolved',
      },
    })
    .input(DelegationParams)
    .output(DelegationView)
    .mutation(({ ctx, input }) => ctx.services.approvals.endDelegation(ctx, input.id)),

  link: publicProcedure
    .meta({
      errors: ['LINK_INVALID', 'LINK_EXPIRED', 'LINK_USED', 'ALREADY_DECIDED', 'REQUEST_CHANGED', 'WORKFLOW_CLOSED'],
      openapi: {
        method: 'GET',
        path: '/approvals/links/{token}',
        protect: false,
        tags,
        summary: 'What a one-click link from an approval email would do (changes nothing)',
      },
    })
    .input(LinkParams)
    .output(ApprovalLinkView)
    .query(({ ctx, input }) => ctx.services.approvals.link(ctx, input.token)),

  useLink: publicProcedure
    .meta({
      errors: [
        'LINK_INVALID',
        'LINK_EXPIRED',
        'LINK_USED',
        'ALREADY_DECIDED',
        'REQUEST_CHANGED',
        'WORKFLOW_CLOSED',
        'NOT_AN_APPROVER',
      ],
      openapi: {
        method: 'POST',
        path: '/approvals/links/{token}',
        protect: false,
        tags,
        summary: 'Do what a one-click link says, once (a rejection needs reason)',
      },
    })
    .input(UseLinkInput)
    .output(LinkOutcomeView)
    .mutation(({ ctx, input }) => ctx.services.approvals.useLink(ctx, input)),
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
