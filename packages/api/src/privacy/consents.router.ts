import {
  ConsentListView,
  LegalHoldListView,
  LegalHoldParams,
  LegalHoldView,
  PlaceLegalHoldInput,
  RetentionPreviewView,
  SetConsentInput,
} from '@seed-pms/domain';
import { z } from 'zod';
import { authedProcedure, idempotent } from '../trpc/trpc.js';

const tags = ['privacy'];

/** Consents, legal holds and the retention dry run: spread into privacyRouter (privacy.router.ts). */
export const consentProcedures = {
  consents: authedProcedure
    .meta({
      access: { action: 'read', subject: 'Consent' },
      openapi: {
        method: 'GET',
        path: '/privacy/consents',
        tags,
        summary:
          'Your consents to the optional purposes (profile image and birthday visible to colleagues, digest emails), each with its text version and history',
      },
    })
    .input(z.void())
    .output(ConsentListView)
    .query(({ ctx }) => ctx.services.consents.list(ctx)),

  setConsent: authedProcedure
    .meta({
      access: { action: 'update', subject: 'Consent' },
      errors: ['CONSENT_TEXT_OUTDATED', 'RESOURCE_BUSY'],
      openapi: {
        method: 'PUT',
        path: '/privacy/consents/{purpose}',
        tags,
        summary:
          'Grant or withdraw your consent to one purpose; granting needs the current text version (409 CONSENT_TEXT_OUTDATED otherwise). Answers every purpose',
      },
    })
    .input(SetConsentInput)
    .output(ConsentListView)
    .mutation(({ ctx, input }) => ctx.services.consents.set(ctx, input)),

  legalHolds: authedProcedure
    .meta({
      access: { action: 'read', subject: 'LegalHold' },
      openapi: {
        method: 'GET',
        path: '/privacy/legal-holds',
        tags,
        summary: 'Every legal hold, newest first (HR, Admin)',
      },
    })
    .input(z.void())
    .output(LegalHoldListView)
    .query(({ ctx }) => ctx.services.legalHolds.list(ctx)),

  placeLegalHold: authedProcedure
    .meta({
      access: { action: 'create', subject: 'LegalHold' },
      errors: ['LEGAL_HOLD_EXISTS'],
      openapi: {
        method: 'POST',
        successStatus: 201,
        path: '/privacy/legal-holds',
        tags,
        summary:
          'Place a legal hold on a person (HR, Admin): their data is not erased, and retention keeps it, until released. One per person',
      },
    })
    .input(PlaceLegalHoldInput)
    .output(LegalHoldView)
    .mutation(idempotent(({ ctx, input }) => ctx.services.legalHolds.place(ctx, input))),

  releaseLegalHold: authedProcedure
    .meta({
      access: { action: 'delete', subject: 'LegalHold' },
      openapi: {
        method: 'DELETE',
        successStatus: 204,
        path: '/privacy/legal-holds/{userId}',
        tags,
        summary: 'Release the legal hold on a person (HR, Admin); audited with who released it',
      },
    })
    .input(LegalHoldParams)
    .output(z.void())
    .mutation(({ ctx, input }) => ctx.services.legalHolds.release(ctx, input.userId)),

  retentionPreview: authedProcedure
    .meta({
      access: { action: 'read', subject: 'RetentionPolicy' },
      openapi: {
        method: 'GET',
        path: '/admin/retention/preview',
        tags,
        summary:
          'The retention dry run (Admin): per data class its cutoff and how many documents the daily job would delete or pseudonymise now',
      },
    })
    .input(z.void())
    .output(RetentionPreviewView)
    .query(({ ctx }) => ctx.services.retention.preview(ctx)),
};
