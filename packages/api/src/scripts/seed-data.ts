import { createRepositories, type Database, type NewPerson, newIdString, type Repositories } from '@seed-pms/db';
import {
  type CatalogItemRecord,
  type CatalogType,
  type ContactInfo,
  catalogNameKey,
  normalizeRoles,
  type PersonalInfo,
  type Role,
  type WorkLocation,
} from '@seed-pms/domain';
import { type DataKeyConfig, dataBox } from '../auth/secrets.js';
import { personalDataBox } from '../employees/personal-data.js';
import { mulberry32, type PlannedPerson } from './seed-common.js';
import { buildProjectSeed, planProjects, writeProjectSeed } from './seed-projects.js';

/**
 * The demo organisation behind `pnpm seed`, the directory benchmark and the
 * seed test: people across every role in a management tree, with skills,
 * hobbies, designations, contact and personal data that look real. Everything
 * is drawn from a seeded PRNG, so a count and a seed always give the same
 * people (names, emails, roles, reporting lines, skills); only ids and
 * timestamps differ, and dates are relative to `now`.
 */

/** The password of every seeded account; it passes the password policy. */
export const DEMO_PASSWORD = 'Demo-Password-2026!';
/** Seeded emails are `first.last[N]@` this domain (reserved, never delivered). */
export const SEED_EMAIL_DOMAIN = 'seed-pms.example';
export const DEFAULT_SEED_COUNT = 400;
export const DEFAULT_SEED = 2026;
/** Room for a CEO, a director per department and a small team in each. */
export const MIN_SEED_COUNT = 50;

// ---------------------------------------------------------------------------
// Randomness

class Random {
  private readonly next: () => number;

  constructor(seed: number) {
    this.next = mulberry32(seed);
  }

  float(): number {
    return this.next();
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** An item drawn with probability proportional to its weight. */
  weighted<T>(items: readonly (readonly [T, number])[]): T {
    const total = items.reduce((sum, [, weight]) => sum + weight, 0);
    let at = this.next() * total;
    for (const [item, weight] of items) {
      at -= weight;
      if (at < 0) return item;
    }
    return (items[items.length - 1] as readonly [T, number])[0];
  }

  digits(count: number): string {
    let out = '';
    for (let i = 0; i < count; i += 1) out += String(this.int(0, 9));
    return out;
  }
}

// ---------------------------------------------------------------------------
// Word lists

// biome-ignore format: word lists read better packed
const FIRST_NAMES = [
  'Ada', 'Adam', 'Aisha', 'Akira', 'Alejandro', 'Alexander', 'Alice', 'Amara', 'Amelia', 'Ana', 'Ananya', 'Andrea',
  'Andrew', 'Anja', 'Anna', 'Aoife', 'Arjun', 'Astrid', 'Ayesha', 'Beatriz', 'Benjamin', 'Bianca', 'Björn', 'Camila',
  'Carlos', 'Caroline', 'Charlotte', 'Chen', 'Chiamaka', 'Chloe', 'Christopher', 'Clara', 'Daniel', 'David', 'Declan',
  'Diego', 'Dmitri', 'Elena', 'Elif', 'Elijah', 'Ella', 'Emil', 'Emily', 'Emma', 'Emre', 'Erik', 'Ethan', 'Eva',
  'Fatima', 'Felix', 'Finn', 'Florian', 'Freya', 'Gabriel', 'Grace', 'Hana', 'Hannah', 'Hiroshi', 'Ibrahim', 'Ines',
  'Ingrid', 'Isaac', 'Isabel', 'Ivan', 'Jack', 'Jakob', 'James', 'Jana', 'Javier', 'Jonas', 'José', 'Julia', 'Julian',
  'Jun', 'Kai', 'Karim', 'Katarzyna', 'Kenji', 'Kwame', 'Laila', 'Lars', 'Laura', 'Layla', 'Leah', 'Lena', 'Leo',
  'Liam', 'Lina', 'Linnea', 'Lucas', 'Lucía', 'Luis', 'Luka', 'Maja', 'Malik', 'Marco', 'Maria', 'Mariam', 'Mateo',
  'Matías', 'Matteo', 'Maya', 'Mei', 'Mia', 'Michael', 'Minh', 'Mohammed', 'Nadia', 'Naomi', 'Nathan', 'Nia',
  'Nikolai', 'Nina', 'Noah', 'Noémie', 'Nora', 'Olivia', 'Omar', 'Oscar', 'Paul', 'Pedro', 'Priya', 'Rafael', 'Rahul',
  'Ravi', 'Rebecca', 'Renée', 'Rosa', 'Ruth', 'Sakura', 'Samuel', 'Sara', 'Sebastian', 'Selin', 'Siobhán', 'Sofia',
  'Sophie', 'Sven', 'Tariq', 'Thanh', 'Thomas', 'Tobias', 'Tomás', 'Valentina', 'Victor', 'Wei', 'William', 'Yara',
  'Yusuf', 'Zara', 'Zoë',
] as const;

// biome-ignore format: word lists read better packed
const LAST_NAMES = [
  'Abe', 'Adeyemi', 'Ahmed', 'Alvarez', 'Andersen', 'Anderson', 'Bakker', 'Banerjee', 'Bauer', 'Becker', 'Bergström',
  'Bianchi', 'Brown', 'Campbell', 'Castro', 'Chen', 'Clarke', 'Coleman', 'Costa', 'Cruz', 'Da Silva', 'De Vries',
  'Dimitrov', 'Dubois', 'Eriksson', 'Esposito', 'Evans', 'Farouk', 'Fernandes', 'Fischer', 'Fontaine', 'Garcia',
  'Gomez', 'Gonzalez', 'Gupta', 'Haddad', 'Hansen', 'Herrera', 'Hoffmann', 'Horvat', 'Hughes', 'Iyer', 'Jansen',
  'Johansson', 'Johnson', 'Jones', 'Jovanović', 'Kapoor', 'Kaur', 'Kaya', 'Keller', 'Khan', 'Kim', 'Kovács',
  'Kowalski', 'Kumar', 'Larsen', 'Laurent', 'Lee', 'Lehmann', 'Li', 'Lindqvist', 'Lopez', 'Lund', 'Martin',
  'Martinez', 'Mazur', 'Mensah', 'Meyer', 'Molina', 'Moreau', 'Moreno', 'Müller', 'Murphy', 'Nagy', 'Nakamura',
  'Navarro', 'Nguyen', 'Nielsen', 'Novak', 'Nowak', "O'Brien", "O'Connor", 'Okafor', 'Olsen', 'Ortiz', 'Osei', 'Park',
  'Patel', 'Pereira', 'Petrov', 'Popescu', 'Quinn', 'Rahman', 'Ramirez', 'Reddy', 'Reyes', 'Ricci', 'Richter',
  'Rodriguez', 'Romano', 'Rossi', 'Sánchez', 'Santos', 'Sato', 'Schmidt', 'Schneider', 'Schulz', 'Shah', 'Silva',
  'Singh', 'Smith', 'Sørensen', 'Suzuki', 'Takahashi', 'Tanaka', 'Taylor', 'Thompson', 'Torres', 'Van Dijk', 'Vargas',
  'Virtanen', 'Visser', 'Wagner', 'Walker', 'Wang', 'Watanabe', 'Weber', 'Williams', 'Wilson', 'Wójcik', 'Yadav',
  'Yamamoto', 'Yilmaz', 'Young', 'Zhang', 'Zhou', 'Zimmermann',
] as const;

/** General skills anyone may list, besides their department's. */
const GENERAL_SKILLS = [
  'Communication',
  'Stakeholder Management',
  'Mentoring',
  'Public Speaking',
  'Technical Writing',
  'Leadership',
] as const;

// biome-ignore format: word lists read better packed
const HOBBIES = [
  'Running', 'Cycling', 'Hiking', 'Climbing', 'Swimming', 'Yoga', 'Football', 'Tennis', 'Photography', 'Cooking',
  'Baking', 'Gardening', 'Reading', 'Chess', 'Board Games', 'Video Games', 'Guitar', 'Piano', 'Singing', 'Painting',
  'Knitting', 'Woodworking', 'Travel', 'Birdwatching', 'Volunteering',
] as const;

const CEO_DESIGNATION = 'Chief Executive Officer';
const DIRECTOR_DESIGNATION = 'Director';

interface Department {
  name: string;
  /** Share of the people below the directors. */
  weight: number;
  manager: string;
  /** Designation of the project leads; departments without one have none. */
  lead: string | null;
  /** Individual contributors' designations, weighted. */
  staff: readonly (readonly [string, number])[];
  /** The department's skills, most common first. */
  skills: readonly string[];
}

const DEPARTMENTS: readonly Department[] = [
  {
    name: 'Engineering',
    weight: 0.4,
    manager: 'Engineering Manager',
    lead: 'Tech Lead',
    staff: [
      ['Software Engineer', 45],
      ['Senior Software Engineer', 30],
      ['QA Engineer', 12],
      ['DevOps Engineer', 13],
    ],
    // biome-ignore format: word lists read better packed
    skills: [
      'TypeScript', 'JavaScript', 'React', 'Node.js', 'SQL', 'Git', 'Docker', 'Python', 'AWS', 'PostgreSQL',
      'Kubernetes', 'Go', 'Java', 'MongoDB', 'GraphQL', 'REST API Design', 'CI/CD', 'Terraform', 'Linux',
      'Automated Testing', 'Kotlin', 'Rust', 'Machine Learning', 'Application Security',
    ],
  },
  {
    name: 'Sales',
    weight: 0.14,
    manager: 'Sales Manager',
    lead: null,
    staff: [
      ['Account Executive', 60],
      ['Sales Development Representative', 40],
    ],
    skills: ['Negotiation', 'Salesforce', 'Account Management', 'Lead Generation', 'CRM', 'Excel'],
  },
  {
    name: 'Product',
    weight: 0.08,
    manager: 'Group Product Manager',
    lead: 'Project Lead',
    staff: [['Product Manager', 1]],
    skills: ['Product Discovery', 'Roadmapping', 'Agile', 'Scrum', 'Data Analysis', 'A/B Testing', 'SQL', 'Figma'],
  },
  {
    name: 'Design',
    weight: 0.07,
    manager: 'Design Manager',
    lead: 'Project Lead',
    staff: [
      ['Product Designer', 70],
      ['UX Researcher', 30],
    ],
    skills: ['Figma', 'UI Design', 'UX Research', 'Prototyping', 'Design Systems', 'Accessibility', 'Agile'],
  },
  {
    name: 'Marketing',
    weight: 0.08,
    manager: 'Marketing Manager',
    lead: 'Project Lead',
    staff: [['Content Marketer', 1]],
    skills: ['SEO', 'Content Writing', 'Social Media Marketing', 'Google Analytics', 'Brand Strategy', 'Data Analysis'],
  },
  {
    name: 'Operations',
    weight: 0.09,
    manager: 'Operations Manager',
    lead: null,
    staff: [['IT Administrator', 1]],
    skills: ['IT Support', 'Project Management', 'Process Improvement', 'Vendor Management', 'Linux', 'Excel'],
  },
  {
    name: 'Finance',
    weight: 0.06,
    manager: 'Finance Manager',
    lead: null,
    staff: [
      ['Financial Analyst', 55],
      ['Accountant', 45],
    ],
    skills: ['Excel', 'Financial Modeling', 'Accounting', 'Budgeting', 'Forecasting', 'SQL'],
  },
  {
    name: 'People',
    weight: 0.08,
    manager: 'HR Manager',
    lead: null,
    staff: [
      ['HR Business Partner', 55],
      ['Recruiter', 45],
    ],
    skills: ['Recruiting', 'Employee Relations', 'Employment Law', 'Coaching', 'Onboarding', 'Excel'],
  },
];

/** Where the CEO sits. */
const EXECUTIVE = {
  name: 'Executive',
  skills: ['Stakeholder Management', 'Leadership', 'Public Speaking', 'Roadmapping', 'Budgeting'],
} as const satisfies Pick<Department, 'name' | 'skills'>;

/** Every skill of the catalog: the departments' and the general ones. */
export const SEED_SKILLS: readonly string[] = [
  ...new Set([...DEPARTMENTS.flatMap((d) => d.skills), ...GENERAL_SKILLS]),
];
export const SEED_HOBBIES: readonly string[] = HOBBIES;
/** Every designation (role catalog item). */
export const SEED_DESIGNATIONS: readonly string[] = [
  ...new Set([
    CEO_DESIGNATION,
    DIRECTOR_DESIGNATION,
    ...DEPARTMENTS.flatMap((d) => [d.manager, ...(d.lead ? [d.lead] : []), ...d.staff.map(([name]) => name)]),
  ]),
];

interface Office {
  city: string;
  country: string;
  timezone: string;
  phonePrefix: string;
  /** Nationality most people there have. */
  nationality: string;
  streets: readonly string[];
  weight: number;
}

// biome-ignore format: one office a line reads better
const OFFICES: readonly Office[] = [
  { city: 'Berlin', country: 'Germany', timezone: 'Europe/Berlin', phonePrefix: '+49 30', nationality: 'German',
    streets: ['Lindenstraße', 'Kastanienallee', 'Oranienstraße', 'Bergmannstraße'], weight: 30 },
  { city: 'London', country: 'United Kingdom', timezone: 'Europe/London', phonePrefix: '+44 20', nationality: 'British',
    streets: ['Station Road', 'Church Lane', 'King Street', 'Mill Lane'], weight: 20 },
  { city: 'New York', country: 'United States', timezone: 'America/New_York', phonePrefix: '+1 212',
    nationality: 'American', streets: ['Bleecker Street', 'Lexington Avenue', 'Bedford Avenue', 'Amsterdam Avenue'],
    weight: 15 },
  { city: 'Lisbon', country: 'Portugal', timezone: 'Europe/Lisbon', phonePrefix: '+351 21', nationality: 'Portuguese',
    streets: ['Rua das Flores', 'Rua Augusta', 'Avenida da Liberdade', 'Rua do Alecrim'], weight: 12 },
  { city: 'Bengaluru', country: 'India', timezone: 'Asia/Kolkata', phonePrefix: '+91 80', nationality: 'Indian',
    streets: ['MG Road', 'Brigade Road', '100 Feet Road', 'Church Street'], weight: 15 },
  { city: 'Toronto', country: 'Canada', timezone: 'America/Toronto', phonePrefix: '+1 416', nationality: 'Canadian',
    streets: ['Queen Street West', 'Yonge Street', 'Dundas Street', 'Spadina Avenue'], weight: 8 },
];

// biome-ignore format: word lists read better packed
const NATIONALITIES = [
  'Brazilian', 'Dutch', 'French', 'Irish', 'Italian', 'Japanese', 'Nigerian', 'Polish', 'Spanish', 'Swedish',
  'Turkish', 'Ukrainian',
] as const;
const RELATIONSHIPS = ['Partner', 'Spouse', 'Parent', 'Sibling', 'Friend'] as const;

// ---------------------------------------------------------------------------
// The plan: people with everything but ids

export interface PlanOptions {
  count: number;
  seed: number;
  now: Date;
  /** Email keys already in use (an earlier seeding): new emails take the next free number. */
  takenEmails?: ReadonlySet<string>;
}

const DAY_MS = 86_400_000;
const YEAR_DAYS = 365;

function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

const FOLDED: Record<string, string> = { ø: 'o', æ: 'ae', ß: 'ss', ł: 'l', đ: 'd' };

/** A name as the local part of an email: ASCII letters only ("Sørensen" → "sorensen", "O'Brien" → "obrien"). */
function emailWord(name: string): string {
  return name
    .toLowerCase()
    .replace(/[øæßłđ]/g, (c) => FOLDED[c] ?? c)
    .normalize('NFD')
    .replace(/[^a-z]/g, '');
}

function listText(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

function withArticle(word: string): string {
  return `${/^[AEIOU]/.test(word) ? 'an' : 'a'} ${word}`;
}

/** Splits `total` by the departments' weights (largest remainder), each at least `minimum`. */
function departmentSizes(total: number, minimum: number): number[] {
  const spare = total - minimum * DEPARTMENTS.length;
  const shares = DEPARTMENTS.map((d) => spare * d.weight);
  const sizes = shares.map((share) => minimum + Math.floor(share));
  let left = total - sizes.reduce((sum, size) => sum + size, 0);
  const byRemainder = shares.map((share, index) => ({ index, rest: share - Math.floor(share) }));
  byRemainder.sort((a, b) => b.rest - a.rest || a.index - b.index);
  for (const { index } of byRemainder) {
    if (left <= 0) break;
    sizes[index] = (sizes[index] ?? 0) + 1;
    left -= 1;
  }
  return sizes;
}

/**
 * The organisation as a list, managers before their reports: the CEO, a
 * director per department reporting to the CEO, then each department's
 * managers (the first few report to the director, the others to one of
 * those), project leads and staff (each reporting to one of the managers).
 * HR holds the People department's managers and HR business partners,
 * finance everyone in Finance, admin a few IT administrators.
 */
export function planOrganisation(options: PlanOptions): PlannedPerson[] {
  const { count, now } = options;
  if (!Number.isInteger(count) || count < MIN_SEED_COUNT) {
    throw new Error(`The organisation needs at least ${MIN_SEED_COUNT} people (asked for ${count})`);
  }
  const random = new Random(options.seed);
  const taken = options.takenEmails ?? new Set<string>();
  const emailNumbers = new Map<string, number>();
  const people: PlannedPerson[] = [];
  const adminCount = Math.max(2, Math.round(count / 250));

  function uniqueEmail(first: string, last: string): string {
    const base = `${emailWord(first)}.${emailWord(last)}`;
    let number = emailNumbers.get(base) ?? 1;
    let email: string;
    do {
      email = `${base}${number === 1 ? '' : number}@${SEED_EMAIL_DOMAIN}`;
      number += 1;
    } while (taken.has(email));
    emailNumbers.set(base, number);
    return email;
  }

  function phone(office: Office): string {
    return `${office.phonePrefix} ${random.digits(4)} ${random.digits(4)}`;
  }

  function skillsFor(pool: readonly string[], seniority: number): { name: string; level: number }[] {
    const wanted = random.int(2, 8);
    const chosen = new Map<string, number>();
    // Earlier skills of a list are more common: the directory has popular and rare ones.
    const ranked = (names: readonly string[]) => names.map((name, index) => [name, 1 / (1 + index * 0.45)] as const);
    const own = ranked(pool);
    const general = ranked(GENERAL_SKILLS);
    const level = () => Math.min(5, Math.max(1, random.int(1, 3) + seniority + (random.chance(0.2) ? 1 : 0)));
    for (let attempt = 0; chosen.size < wanted && attempt < 40; attempt += 1) {
      const name = random.weighted(random.chance(0.85) ? own : general);
      if (!chosen.has(name)) chosen.set(name, level());
    }
    // Unlucky draws: top up from the lists in order.
    for (const name of [...pool, ...GENERAL_SKILLS]) {
      if (chosen.size >= wanted) break;
      if (!chosen.has(name)) chosen.set(name, level());
    }
    return [...chosen].map(([name, level]) => ({ name, level }));
  }

  function hobbiesFor(): string[] {
    const wanted = random.weighted([
      [0, 15],
      [1, 30],
      [2, 30],
      [3, 15],
      [4, 10],
    ] as const);
    const chosen = new Set<string>();
    while (chosen.size < wanted) chosen.add(random.pick(HOBBIES));
    return [...chosen];
  }

  function bioOf(person: {
    designation: string;
    department: string;
    joinDate: string;
    city: string;
    skills: string[];
    hobbies: string[];
  }): string {
    const year = person.joinDate.slice(0, 4);
    const opening =
      person.designation === CEO_DESIGNATION
        ? `${CEO_DESIGNATION} since ${year}, based in ${person.city}.`
        : random.pick([
            `${person.designation} in ${person.department}, with the company since ${year}.`,
            `Joined ${person.department} in ${year} as ${withArticle(person.designation)}.`,
            `${person.designation} based in ${person.city}.`,
          ]);
    const [first, second, third] = person.skills;
    const work = random.pick([
      `Works mostly with ${listText(person.skills.slice(0, 3))}.`,
      `Happy to help with anything ${first}${second ? ` or ${second}` : ''}.`,
      third ? `Currently going deeper into ${third}.` : `Always keen to talk about ${first}.`,
    ]);
    const free = person.hobbies.length
      ? ` Away from work: ${listText(person.hobbies.map((h) => h.toLowerCase()))}.`
      : '';
    return `${opening} ${work}${free}`;
  }

  function add(spec: {
    roles: Role[];
    department: Pick<Department, 'name' | 'skills'>;
    designation: string;
    manager: number | null;
    tenureDays: number;
    seniority: number;
  }): number {
    const first = random.pick(FIRST_NAMES);
    const last = random.pick(LAST_NAMES);
    const email = uniqueEmail(first, last);
    const joinDate = isoDay(new Date(now.getTime() - spec.tenureDays * DAY_MS));
    const workLocation = random.weighted<WorkLocation>([
      ['office', 45],
      ['hybrid', 35],
      ['remote', 20],
    ]);
    const office = random.weighted(OFFICES.map((o) => [o, o.weight] as const));
    const skills = skillsFor(spec.department.skills, spec.seniority);
    const hobbies = hobbiesFor();
    const handle = `${emailWord(first)}-${emailWord(last)}`;
    const contact: ContactInfo = {
      workPhone: phone(office),
      ...(random.chance(0.7) ? { mobilePhone: phone(office) } : {}),
      ...(workLocation === 'remote' ? {} : { office: `${office.city} office` }),
      city: office.city,
      country: office.country,
      timezone: office.timezone,
      ...(random.chance(0.6)
        ? { linkedin: `https://www.linkedin.com/in/${handle}-${random.int(1000, 9999).toString(16)}` }
        : {}),
    };
    let personal: PersonalInfo = {};
    if (random.chance(0.7)) {
      const age = random.int(23, 35) + spec.seniority * 4 + random.int(0, 8);
      const born = `${now.getUTCFullYear() - age}-${String(random.int(1, 12)).padStart(2, '0')}-${String(random.int(1, 28)).padStart(2, '0')}`;
      personal = {
        dateOfBirth: born,
        personalEmail: `${emailWord(first)}${random.int(1, 99)}@mail.example`,
        personalPhone: phone(office),
        homeAddress: `${random.int(1, 180)} ${random.pick(office.streets)}, ${office.city}`,
        nationality: random.chance(0.75) ? office.nationality : random.pick(NATIONALITIES),
        ...(random.chance(0.8)
          ? {
              emergencyContact: {
                name: `${random.pick(FIRST_NAMES)} ${random.chance(0.6) ? last : random.pick(LAST_NAMES)}`,
                phone: phone(office),
                relationship: random.pick(RELATIONSHIPS),
              },
            }
          : {}),
      };
    }
    people.push({
      name: `${first} ${last}`,
      email,
      roles: normalizeRoles(spec.roles),
      department: spec.department.name,
      designation: spec.designation,
      manager: spec.manager,
      joinDate,
      workLocation,
      skills,
      hobbies,
      bio: bioOf({
        designation: spec.designation,
        department: spec.department.name,
        joinDate,
        city: office.city,
        skills: skills.map((s) => s.name),
        hobbies,
      }),
      contact,
      personal,
    });
    return people.length - 1;
  }

  const eightYears = 8 * YEAR_DAYS;
  const ceo = add({
    roles: ['director', 'ceo'],
    department: EXECUTIVE,
    designation: CEO_DESIGNATION,
    manager: null,
    tenureDays: eightYears - random.int(0, 60),
    seniority: 2,
  });
  const directors = DEPARTMENTS.map((department) =>
    add({
      roles: department.name === 'Finance' ? ['director', 'finance'] : ['director'],
      department,
      designation: DIRECTOR_DESIGNATION,
      manager: ceo,
      tenureDays: random.int(4 * YEAR_DAYS, eightYears),
      seniority: 2,
    }),
  );

  const sizes = departmentSizes(count - people.length, 4);
  DEPARTMENTS.forEach((department, d) => {
    const size = sizes[d] ?? 0;
    const managerCount = Math.max(1, Math.round(size / 10));
    const leadCount = department.lead ? Math.max(1, Math.round(size / 15)) : 0;
    const staffCount = size - managerCount - leadCount;
    const director = directors[d] as number;
    const finance = department.name === 'Finance';
    // Few enough managers report to the director that the director's team stays small.
    const topCount = Math.ceil(managerCount / 8);
    const managers: number[] = [];
    for (let i = 0; i < managerCount; i += 1) {
      const roles: Role[] = department.name === 'People' ? ['hr'] : finance ? ['manager', 'finance'] : ['manager'];
      managers.push(
        add({
          roles,
          department,
          designation: department.manager,
          manager: i < topCount ? director : (managers[random.int(0, topCount - 1)] as number),
          tenureDays: random.int(YEAR_DAYS, eightYears),
          seniority: 1,
        }),
      );
    }
    for (let i = 0; i < leadCount; i += 1) {
      add({
        roles: ['projectLead'],
        department,
        designation: department.lead as string,
        manager: random.pick(managers),
        tenureDays: random.int(YEAR_DAYS / 2, eightYears),
        seniority: 1,
      });
    }
    let admins = department.name === 'Operations' ? adminCount : 0;
    for (let i = 0; i < staffCount; i += 1) {
      const designation = random.weighted(department.staff);
      let roles: Role[] = ['employee'];
      if (finance) roles = ['employee', 'finance'];
      else if (designation === 'HR Business Partner') roles = ['hr'];
      else if (designation === 'IT Administrator' && admins > 0) {
        roles = ['admin'];
        admins -= 1;
      }
      // More people joined recently: the company grew.
      const tenureDays = 7 + Math.floor(eightYears * random.float() ** 1.6);
      add({
        roles,
        department,
        designation,
        manager: random.pick(managers),
        tenureDays,
        seniority: tenureDays > 3 * YEAR_DAYS ? 1 : 0,
      });
    }
  });
  return people;
}

// ---------------------------------------------------------------------------
// Writing it

export interface DemoLogin {
  /** The role this account shows. */
  role: Role;
  email: string;
  name: string;
  designation: string;
  department: string;
}

/** The exact roles of the account shown for each role: the plainest holder of it. */
const DEMO_ROLE_SETS: readonly (readonly [Role, readonly Role[]])[] = [
  ['ceo', ['director', 'ceo']],
  ['director', ['director']],
  ['manager', ['manager']],
  ['projectLead', ['projectLead']],
  ['employee', ['employee']],
  ['hr', ['hr']],
  ['finance', ['employee', 'finance']],
  ['admin', ['admin']],
];

/** One account per role, the first of the plan holding exactly that role. */
export function demoLogins(people: readonly PlannedPerson[]): DemoLogin[] {
  const logins: DemoLogin[] = [];
  for (const [role, roles] of DEMO_ROLE_SETS) {
    const person = people.find((p) => p.roles.length === roles.length && roles.every((r) => p.roles.includes(r)));
    if (person) {
      logins.push({
        role,
        email: person.email,
        name: person.name,
        designation: person.designation,
        department: person.department,
      });
    }
  }
  return logins;
}

export interface SeededCatalogItem {
  id: string;
  name: string;
  /** Seeded employees holding it. */
  holders: number;
}

export interface SeededOrganisation {
  /** In plan order: the CEO first, managers before their reports. */
  employeeIds: string[];
  ceoId: string;
  /** Skills, most held first. */
  skills: SeededCatalogItem[];
  hobbies: SeededCatalogItem[];
  /** Designations (role catalog items). */
  designations: SeededCatalogItem[];
  departments: { name: string; employees: number }[];
  logins: DemoLogin[];
  projects: { projects: number; allocations: number; overAllocated: number };
}

export interface SeedOptions {
  count: number;
  seed?: number;
  /** The hash of the shared password (hash DEMO_PASSWORD once: argon2id is slow on purpose). */
  passwordHash: string;
  /** The data keys of the server that will read the data (its config): personal data is stored sealed with them. */
  dataKeys: DataKeyConfig;
  now?: Date;
  /** People (accounts and profiles) per bulk write. */
  batchSize?: number;
  /** Called after each batch of accounts and profiles. */
  onProgress?: (done: number, total: number) => void;
  /** Also seed projects and allocations (seed-projects.ts); true by default. */
  projects?: boolean;
}

/** The catalog items of a type with these names: existing ones are reused, missing ones created in one write. */
async function ensureCatalogItems(
  repos: Repositories,
  type: CatalogType,
  names: readonly string[],
  now: Date,
): Promise<Map<string, CatalogItemRecord>> {
  const existing = await repos.catalogs.findByNames(type, names);
  const missing = [...new Map(names.map((name) => [catalogNameKey(name), name])).values()].filter(
    (name) => !existing.has(catalogNameKey(name)),
  );
  const created = await repos.catalogs.insertMany(
    missing.map((name) => ({ id: newIdString(), type, name, createdBy: null })),
    now,
  );
  for (const item of created) existing.set(catalogNameKey(item.name), item);
  return new Map(names.map((name) => [name, required(existing, catalogNameKey(name))]));
}

function required<T>(map: Map<string, T>, key: string): T {
  const value = map.get(key);
  if (value === undefined) throw new Error(`seed data refers to unknown "${key}"`);
  return value;
}

/**
 * Writes a demo organisation of `count` people (see planOrganisation) and the
 * catalog items they use; it only adds, and reuses catalog items and skips
 * emails an earlier seeding left. Accounts and profiles go in as bulk writes
 * of the employee repository, in batches, accounts first: a crash in between
 * leaves accounts without profiles, which the profile repair job fills in.
 */
export async function seedOrganisation(
  database: Pick<Database, 'collections' | 'collection'>,
  options: SeedOptions,
): Promise<SeededOrganisation> {
  const now = options.now ?? new Date();
  const batchSize = options.batchSize ?? 500;
  const repos = createRepositories(database);
  const personalData = personalDataBox(dataBox(options.dataKeys));
  const people = planOrganisation({
    count: options.count,
    seed: options.seed ?? DEFAULT_SEED,
    now,
    takenEmails: await repos.employees.emailsAt(SEED_EMAIL_DOMAIN),
  });
  const skills = await ensureCatalogItems(repos, 'skill', SEED_SKILLS, now);
  const hobbies = await ensureCatalogItems(repos, 'hobby', SEED_HOBBIES, now);
  const designations = await ensureCatalogItems(repos, 'role', SEED_DESIGNATIONS, now);

  const ids = people.map(() => newIdString());
  const projectSeed =
    options.projects === false
      ? null
      : await buildProjectSeed(repos, planProjects(people, { seed: options.seed ?? DEFAULT_SEED, now }), ids, now);
  const holders = new Map<string, number>();
  const hold = (name: string) => holders.set(name, (holders.get(name) ?? 0) + 1);
  const written: NewPerson[] = people.map((person, index) => {
    const id = ids[index] as string;
    for (const name of [...person.skills.map((s) => s.name), ...person.hobbies, person.designation]) hold(name);
    const flag = projectSeed?.flags.get(id);
    return {
      account: {
        id,
        email: person.email,
        name: person.name,
        roles: person.roles,
        passwordHash: options.passwordHash,
        // Demo accounts sign in straight away.
        mustChangePassword: false,
      },
      profile: {
        designationId: required(designations, person.designation).id,
        department: person.department,
        managerId: person.manager === null ? null : (ids[person.manager] as string),
        joinDate: person.joinDate,
        workLocation: person.workLocation,
        skills: person.skills.map((s) => ({ catalogId: required(skills, s.name).id, level: s.level })),
        hobbyIds: person.hobbies.map((name) => required(hobbies, name).id),
        bio: person.bio,
        contact: person.contact,
        personal: personalData.seal(person.personal),
        // The halo of the seeded ledger (version 1); people without one keep the empty default.
        ...(flag ? { capacity: { ...flag, ledgerVersion: 1 } } : {}),
      },
    };
  });

  options.onProgress?.(0, people.length);
  for (let start = 0; start < written.length; start += batchSize) {
    const end = Math.min(start + batchSize, written.length);
    await repos.employees.insertPeople(written.slice(start, end), now);
    options.onProgress?.(end, people.length);
  }

  const projects = projectSeed
    ? await writeProjectSeed(repos, projectSeed, now)
    : { projects: 0, allocations: 0, overAllocated: 0 };

  const items = (byName: Map<string, CatalogItemRecord>): SeededCatalogItem[] =>
    [...byName]
      .map(([name, item]) => ({ id: item.id, name, holders: holders.get(name) ?? 0 }))
      .sort((a, b) => b.holders - a.holders || a.name.localeCompare(b.name));
  const departmentCounts = new Map<string, number>();
  for (const person of people)
    departmentCounts.set(person.department, (departmentCounts.get(person.department) ?? 0) + 1);
  return {
    employeeIds: ids,
    ceoId: ids[0] as string,
    skills: items(skills),
    hobbies: items(hobbies),
    designations: items(designations),
    departments: [...departmentCounts].map(([name, employees]) => ({ name, employees })),
    logins: demoLogins(people),
    projects,
  };
}
