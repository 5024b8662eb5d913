import {
  EmployeeCalendarQuery,
  EmployeeCalendarView,
  EmployeeCapacityQuery,
  EmployeeCapacityView,
  EmployeeProfile,
  EmployeeProjectsView,
  EmployeeSummary,
  Id,
  ListEmployeesQuery,
  pageOf,
  UpdateEmployeeInput,
} from '@seed-pms/domain';
import { z } from 'zod';
import { multipartInput } from '../rest/multipart.js';
import { authedProcedure, router, uploadProcedure } from '../trpc/trpc.js';

const tags = ['employees'];
const IdInput = z.strictObject({ id: Id });

export const employeesRouter = router({
  list: authedProcedure
    .meta({
      access: { action: 'read', subject: 'Employee' },
      openapi: {
        method: 'GET',
        path: '/employees',
        tags,
        summary: 'The directory: filter by skills (all of them), designation, department, manager, status, name',
      },
    })
    .input(ListEmployeesQuery)
    .output(pageOf(EmployeeSummary))
    .query(({ ctx, input }) => ctx.services.employees.list(ctx, input)),

  get: authedProcedure
    .meta({
      access: { action: 'read', subject: 'Employee' },
      openapi: {
        method: 'GET',
        path: '/employees/{id}',
        tags,
        summary: 'A profile; personal fields only for the person, their managers, HR and admins',
      },
    })
    .input(IdInput)
    .output(EmployeeProfile)
    .query(({ ctx, input }) => ctx.services.employees.get(ctx, input.id)),

  update: authedProcedure
    .meta({
      access: { action: 'update', subject: 'Employee' },
      openapi: {
        method: 'PATCH',
        path: '/employees/{id}',
        tags,
        summary: 'Change a profile (with version); people edit their bio, skills, hobbies and contact, HR everything',
      },
    })
    .input(UpdateEmployeeInput)
    .output(EmployeeProfile)
    .mutation(({ ctx, input }) => ctx.services.employees.update(ctx, input)),

  calendar: authedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/employees/{id}/calendar',
        tags,
        summary:
          'One day-ordered timeline from..to (at most 366 days): allocations, leave, work location, holidays, working days; others than the person, their managers and HR see only away/working',
      },
    })
    .input(EmployeeCalendarQuery)
    .output(EmployeeCalendarView)
    .query(({ ctx, input }) => ctx.services.leave.calendar(ctx, input)),

  capacity: authedProcedure
    .meta({
      access: { action: 'read', subject: 'Employee' },
      openapi: {
        method: 'GET',
        path: '/employees/{id}/capacity',
        tags,
        summary: 'Allocation timeline from..to (today + 90 days by default): peak, stretches above 100%, today',
      },
    })
    .input(EmployeeCapacityQuery)
    .output(EmployeeCapacityView)
    .query(({ ctx, input }) => ctx.services.capacity.employeeCapacity(ctx, input.id, input)),

  projects: authedProcedure
    .meta({
      access: { action: 'read', subject: 'Employee' },
      openapi: { method: 'GET', path: '/employees/{id}/projects', tags, summary: 'Project assignment history' },
    })
    .input(IdInput)
    .output(EmployeeProjectsView)
    .query(({ ctx, input }) => ctx.services.employees.projects(ctx, input.id)),

  uploadImage: uploadProcedure
    .meta({
      access: { action: 'update', subject: 'Employee' },
      multipart: { file: 'The image: PNG, JPEG or WebP (by content), at most 5 MB' },
      openapi: {
        method: 'POST',
        path: '/employees/{id}/image',
        contentTypes: ['multipart/form-data'],
        tags,
        summary: 'Upload a profile image (multipart field "file"); metadata is stripped and a thumbnail made',
      },
    })
    .input(multipartInput({ id: Id }))
    .output(EmployeeProfile)
    .mutation(({ ctx, input }) => ctx.services.employees.uploadImage(ctx, input)),

  removeImage: authedProcedure
    .meta({
      access: { action: 'update', subject: 'Employee' },
      openapi: { method: 'DELETE', path: '/employees/{id}/image', tags, summary: 'Remove the profile image' },
    })
    .input(IdInput)
    .output(EmployeeProfile)
    .mutation(({ ctx, input }) => ctx.services.employees.removeImage(ctx, input.id)),
});
