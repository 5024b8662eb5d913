import {
  CatalogItemView,
  CatalogReferencesView,
  CreateCatalogItemInput,
  Id,
  ListCatalogByTypeQuery,
  ListCatalogQuery,
  pageOf,
  UpdateCatalogItemInput,
} from '@seed-pms/domain';
import { z } from 'zod';
import { authedProcedure, idempotent, router } from '../trpc/trpc.js';

const tags = ['catalogs'];

export const catalogsRouter = router({
  list: authedProcedure
    .meta({
      access: { action: 'read', subject: 'Catalog' },
      openapi: {
        method: 'GET',
        path: '/catalogs',
        tags,
        summary: 'Catalog items of every type (active ones unless asked)',
      },
    })
    .input(ListCatalogQuery)
    .output(pageOf(CatalogItemView))
    .query(({ ctx, input }) => ctx.services.catalogs.list(ctx, input)),

  byType: authedProcedure
    .meta({
      access: { action: 'read', subject: 'Catalog' },
      openapi: {
        method: 'GET',
        path: '/catalogs/{type}',
        tags,
        summary: 'Items of one type (skill, hobby, role, project) for pickers, by name',
      },
    })
    .input(ListCatalogByTypeQuery)
    .output(pageOf(CatalogItemView))
    .query(({ ctx, input }) => ctx.services.catalogs.list(ctx, input)),

  create: authedProcedure
    .meta({
      access: { action: 'create', subject: 'Catalog' },
      openapi: {
        method: 'POST',
        successStatus: 201,
        path: '/catalogs',
        tags,
        summary: 'Create a catalog item (Admin)',
      },
    })
    .input(CreateCatalogItemInput)
    .output(CatalogItemView)
    .mutation(idempotent(({ ctx, input }) => ctx.services.catalogs.create(ctx, input))),

  update: authedProcedure
    .meta({
      access: { action: 'update', subject: 'Catalog' },
      openapi: {
        method: 'PATCH',
        path: '/catalogs/{id}',
        tags,
        summary: 'Rename, describe, deactivate or reactivate an item (Admin, with version)',
      },
    })
    .input(UpdateCatalogItemInput)
    .output(CatalogItemView)
    .mutation(({ ctx, input }) => ctx.services.catalogs.update(ctx, input)),

  delete: authedProcedure
    .meta({
      access: { action: 'delete', subject: 'Catalog' },
      openapi: {
        method: 'DELETE',
        path: '/catalogs/{id}',
        tags,
        summary: 'Delete an item nothing points at (Admin); 409 IN_USE with the counts by place otherwise',
      },
    })
    .input(
      z.strictObject({
        id: Id,
        version: z.coerce.number().int().min(1).optional().meta({ description: 'Refuse if the item changed since.' }),
      }),
    )
    .output(CatalogItemView)
    .mutation(({ ctx, input }) => ctx.services.catalogs.delete(ctx, input)),

  references: authedProcedure
    .meta({
      access: { action: 'delete', subject: 'Catalog' },
      openapi: {
        method: 'GET',
        path: '/catalogs/{id}/references',
        tags,
        summary: 'Where an item is used, counted by place (Admin)',
      },
    })
    .input(z.strictObject({ id: Id }))
    .output(CatalogReferencesView)
    .query(({ ctx, input }) => ctx.services.catalogs.references(ctx, input.id)),
});
