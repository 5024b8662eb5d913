import { z } from 'zod';
import { CatalogRef } from '../catalogs/catalog.schemas.js';
import {
  CalendarDay,
  ExpectedVersion,
  Id,
  Instant,
  listOf,
  PageQuery,
  QueryText,
  SearchTerm,
  SortOf,
} from '../common/common.schemas.js';
import { Email, UserName, UserStatus } from '../users/user.schemas.js';

/** Where someone normally works; day-to-day WFH/WFO requests are the work-location area's. */
export const WorkLocation = z.enum(['office', 'remote', 'hybrid']).meta({ id: 'WorkLocation' });
export type WorkLocation = z.infer<typeof WorkLocation>;

export const SkillLevel = z.number().int().min(1).max(5).meta({ description: '1 (novice) to 5 (expert).' });

export const MAX_SKILLS = 100;
export const MAX_HOBBIES = 50;

const Text = (max: number) => z.string().trim().max(max);
const OptionalText = (max: number) => Text(max).nullable().optional();
const Phone = z
  .string()
  .trim()
  .regex(/^\+?[0-9 ()./-]{3,32}$/, 'must be a phone number (digits, spaces, + ( ) . / -)');

/** How colleagues reach someone: visible to every signed-in user, editable by the person. */
export const ContactInfo = z
  .strictObject({
    workPhone: Phone.nullable().optional(),
    mobilePhone: Phone.nullable().optional(),
    office: OptionalText(100),
    city: OptionalText(100),
    country: OptionalText(100),
    timezone: OptionalText(64).meta({ example: 'Europe/Berlin' }),
    linkedin: z
      .url({ protocol: /^https$/ })
      .max(300)
      .nullable()
      .optional(),
  })
  .meta({ id: 'ContactInfo' });
export type ContactInfo = z.infer<typeof ContactInfo>;

export const EmergencyContact = z.strictObject({
  name: Text(200).min(1),
  phone: Phone,
  relationship: OptionalText(100),
});

/**
 * Personal data: visible only to the person, their manager chain, HR and
 * admins; edited by HR and admins.
 */
export const PersonalInfo = z
  .strictObject({
    dateOfBirth: CalendarDay.nullable().optional(),
    personalEmail: Email.nullable().optional(),
    personalPhone: Phone.nullable().optional(),
    homeAddress: OptionalText(500),
    nationality: OptionalText(100),
    emergencyContact: EmergencyContact.nullable().optional(),
  })
  .meta({ id: 'PersonalInfo' });
export type PersonalInfo = z.infer<typeof PersonalInfo>;

export const EmployeeSkill = z.object({ skill: CatalogRef, level: SkillLevel }).meta({ id: 'EmployeeSkill' });

export const PersonRef = z.object({ id: Id, name: z.string() }).meta({ id: 'PersonRef' });

export const ProfileImageView = z
  .object({
    fileId: Id,
    url: z.string().meta({ description: 'Signed URL of the image; expires at expiresAt.' }),
    thumbnailUrl: z.string().meta({ description: 'Signed URL of a 128×128 thumbnail.' }),
    expiresAt: Instant,
  })
  .meta({ id: 'ProfileImage' });
export type ProfileImageView = z.infer<typeof ProfileImageView>;

/** What a UI needs for the red over-allocation halo; the projects area keeps it current. */
export const CapacityFlag = z
  .object({
    allocationPercent: z.number().min(0).meta({ description: 'Allocation today, in percent of full time.' }),
    overAllocated: z.boolean().meta({ description: 'Above 100% somewhere from today on: show the red halo.' }),
  })
  .meta({ id: 'CapacityFlag' });
export type CapacityFlag = z.infer<typeof CapacityFlag>;

/** An entry of the directory. */
export const EmployeeSummary = z
  .object({
    id: Id,
    name: z.string(),
    email: z.string(),
    designation: CatalogRef.nullable(),
    department: z.string().nullable(),
    manager: PersonRef.nullable(),
    workLocation: WorkLocation.nullable(),
    status: UserStatus,
    skills: z.array(EmployeeSkill),
    image: ProfileImageView.nullable(),
    capacity: CapacityFlag,
  })
  .meta({ id: 'EmployeeSummary' });
export type EmployeeSummary = z.infer<typeof EmployeeSummary>;

/** The fields of a profile, as field-level abilities name them. */
export const EMPLOYEE_FIELDS = [
  'name',
  'designation',
  'department',
  'manager',
  'joinDate',
  'workLocation',
  'workingHoursPerDay',
  'skills',
  'hobbies',
  'bio',
  'contact',
  'personal',
  'image',
] as const;
export type EmployeeField = (typeof EMPLOYEE_FIELDS)[number];
/** What everyone signed in may read. */
export const EMPLOYEE_PUBLIC_FIELDS: readonly EmployeeField[] = EMPLOYEE_FIELDS.filter((f) => f !== 'personal');
/** What people edit on their own profile. */
export const EMPLOYEE_SELF_FIELDS: readonly EmployeeField[] = ['bio', 'skills', 'hobbies', 'contact', 'image'];
/** Visible only to the person, their manager chain, HR and admins. */
export const EMPLOYEE_PERSONAL_FIELDS: readonly EmployeeField[] = ['personal'];

export const EmployeeProfile = EmployeeSummary.extend({
  joinDate: CalendarDay.nullable(),
  workingHoursPerDay: z.number().nullable().meta({
    description:
      'A working day’s hours (part-time schedules); null: a full day of 8 hours. Leave in hours counts with it.',
  }),
  hobbies: z.array(CatalogRef),
  bio: z.string(),
  contact: ContactInfo,
  personal: PersonalInfo.optional().meta({
    description: 'Present only for the person, their manager chain, HR and admins.',
  }),
  birthday: z.string().nullable().meta({
    description:
      'Day and month of birth as MM-DD (never the year), when the person consents to colleagues seeing it (consent profile.birthday); null otherwise.',
    example: '03-14',
  }),
  editableFields: z
    .array(z.enum(EMPLOYEE_FIELDS))
    .meta({ description: 'The fields the caller may change with PATCH (for showing edit controls).' }),
  version: z.number().int(),
  createdAt: Instant,
  updatedAt: Instant,
}).meta({ id: 'EmployeeProfile' });
export type EmployeeProfile = z.infer<typeof EmployeeProfile>;

export const SkillInput = z.strictObject({ catalogId: Id, level: SkillLevel });

function unique<T>(values: T[], keyOf: (value: T) => string): boolean {
  return new Set(values.map(keyOf)).size === values.length;
}

export const UpdateEmployeeInput = z.strictObject({
  id: Id,
  version: ExpectedVersion,
  name: UserName.optional(),
  designationId: Id.nullable().optional().meta({ description: 'A catalog item of type role.' }),
  department: Text(100).nullable().optional(),
  managerId: Id.nullable().optional().meta({ description: 'Reports to; a change that closes a loop is refused.' }),
  joinDate: CalendarDay.nullable().optional(),
  workLocation: WorkLocation.nullable().optional(),
  workingHoursPerDay: z
    .number()
    .min(0.5)
    .max(24)
    .multipleOf(0.25, { error: 'in quarters of an hour' })
    .nullable()
    .optional()
    .meta({ description: 'A working day’s hours; null: 8.' }),
  skills: z
    .array(SkillInput)
    .max(MAX_SKILLS)
    .refine((skills) => unique(skills, (s) => s.catalogId), 'each skill once')
    .optional()
    .meta({ description: 'The whole list; replaces the current one.' }),
  hobbies: z
    .array(Id)
    .max(MAX_HOBBIES)
    .refine((ids) => unique(ids, (id) => id), 'each hobby once')
    .optional()
    .meta({ description: 'Catalog items of type hobby; the whole list.' }),
  bio: Text(2000).optional(),
  contact: ContactInfo.optional().meta({ description: 'The whole contact block; omitted fields are cleared.' }),
  personal: PersonalInfo.optional().meta({ description: 'The whole personal block; omitted fields are cleared.' }),
});
export type UpdateEmployeeInput = z.infer<typeof UpdateEmployeeInput>;

/** The ability field each input field changes. */
export const EMPLOYEE_INPUT_FIELDS: Readonly<
  Record<Exclude<keyof UpdateEmployeeInput, 'id' | 'version'>, EmployeeField>
> = {
  name: 'name',
  designationId: 'designation',
  department: 'department',
  managerId: 'manager',
  joinDate: 'joinDate',
  workLocation: 'workLocation',
  workingHoursPerDay: 'workingHoursPerDay',
  skills: 'skills',
  hobbies: 'hobbies',
  bio: 'bio',
  contact: 'contact',
  personal: 'personal',
};

/** Ids as a list, or comma-separated in a query string. */
const IdList = z
  .union([z.string(), z.array(z.string())])
  .transform((value) => (Array.isArray(value) ? value : value.split(',')).map((s) => s.trim()).filter(Boolean))
  .pipe(z.array(Id).min(1).max(20));

export const EmployeeSort = SortOf(['name', '-name', 'joinDate', '-joinDate', 'createdAt', '-createdAt']);

export const ListEmployeesQuery = PageQuery.extend({
  skills: IdList.optional().meta({
    description: 'Comma-separated skill ids: people with all of them.',
    example: '665f1c2e8b3a4d0012345678,665f1c2e8b3a4d0012345679',
  }),
  designation: QueryText(100).optional().meta({ description: 'A role catalog item: its id or its name (any case).' }),
  department: QueryText(100).optional(),
  status: z.enum(['active', 'archived', 'all']).default('active'),
  manager: Id.optional().meta({ description: 'Direct reports of this person.' }),
  q: SearchTerm.optional().meta({
    description: 'Prefix of a word of the name, or of the email (any case or accents).',
  }),
  sort: EmployeeSort.default('name'),
}).strict();
export type ListEmployeesQuery = z.infer<typeof ListEmployeesQuery>;

/** One stretch of someone's work on a project (the projects area fills the history). */
export const ProjectAssignmentView = z
  .object({
    projectId: Id,
    projectName: z.string(),
    role: z.enum(['lead', 'member']),
    allocationPercent: z.number().min(0),
    startDate: CalendarDay,
    endDate: CalendarDay.nullable(),
    current: z.boolean(),
  })
  .meta({ id: 'ProjectAssignment' });
export type ProjectAssignmentView = z.infer<typeof ProjectAssignmentView>;

export const EmployeeProjectsView = listOf(ProjectAssignmentView).meta({ id: 'EmployeeProjects' });
export type EmployeeProjectsView = z.infer<typeof EmployeeProjectsView>;
