import { subject } from '@casl/ability';
import { describe, expect, it } from 'vitest';
import {
  checkRoleChange,
  defineAbilityFor,
  effectiveRoles,
  highestRole,
  holdsRole,
  normalizeRoles,
  type Role,
} from '../src/index.js';

const user = (id: string, roles: Role[]) => ({ id, roles });
const userSubject = (id: string, roles: Role[]) => subject('User', { id, roles });

describe('role hierarchy', () => {
  it('inherits every role below the highest, and keeps functional roles beside it', () => {
    expect(effectiveRoles(['manager'])).toEqual(['employee', 'projectLead', 'manager']);
    expect(effectiveRoles(['finance'])).toEqual(['employee', 'finance']);
    expect(effectiveRoles(['ceo', 'director'])).toEqual(['employee', 'projectLead', 'manager', 'director', 'ceo']);
    expect(highestRole(['finance'])).toBe('employee');
    expect(holdsRole(['admin'], 'hr')).toBe(true);
    expect(holdsRole(['hr'], 'admin')).toBe(false);
    expect(holdsRole(['admin'], 'finance')).toBe(false);
    expect(normalizeRoles(['ceo', 'admin', 'admin', 'employee'])).toEqual(['employee', 'admin', 'ceo']);
  });
});

/** role × action × object → allowed, as a table (the abilities are a pure function). */
describe('abilities', () => {
  const hr = defineAbilityFor(user('h', ['hr']));
  const admin = defineAbilityFor(user('a', ['admin']));
  const employee = defineAbilityFor(user('e', ['employee']));
  const director = defineAbilityFor(user('d', ['director']));

  it.each([
    ['hr reads any user', hr.can('read', userSubject('x', ['employee'])), true],
    ['hr updates an employee', hr.can('update', userSubject('x', ['manager'])), true],
    ['hr cannot update an admin', hr.can('update', userSubject('x', ['admin'])), false],
    ['hr cannot archive an admin', hr.can('archive', userSubject('x', ['employee', 'admin'])), false],
    ['hr cannot archive themselves', hr.can('archive', userSubject('h', ['hr'])), false],
    ['admin updates an admin', admin.can('update', userSubject('y', ['admin'])), true],
    ['admin cannot archive themselves', admin.can('archive', userSubject('a', ['admin'])), false],
    ['admin verifies the audit chain', admin.can('verify', 'AuditLog'), true],
    ['hr reads the audit trail', hr.can('read', 'AuditLog'), true],
    ['hr cannot verify the chain', hr.can('verify', 'AuditLog'), false],
    ['director cannot read users', director.can('read', 'User'), false],
    ['employee cannot read users', employee.can('read', 'User'), false],
    ['employee reads own session', employee.can('read', subject('Session', { id: 's', userId: 'e' })), true],
    [
      'employee cannot read others’ sessions',
      employee.can('read', subject('Session', { id: 's', userId: 'z' })),
      false,
    ],
    ['employee reads settings', employee.can('read', 'Settings'), true],
    ['employee cannot change settings', employee.can('update', 'Settings'), false],
    ['only admins see system health', hr.can('read', 'System'), false],
  ])('%s', (_name, actual, expected) => {
    expect(actual).toBe(expected);
  });
});

describe('role changes', () => {
  const hr = user('h', ['hr']);
  const admin = user('a', ['admin']);
  it('nobody changes their own roles, even an admin', () => {
    expect(() => checkRoleChange(admin, { id: 'a', roles: ['admin'] }, ['admin', 'ceo'])).toThrow(
      'Nobody can change their own roles',
    );
    expect(() => checkRoleChange(admin, { id: 'a', roles: ['admin'] }, ['admin'])).not.toThrow();
  });
  it('only admins grant or revoke admin', () => {
    expect(() => checkRoleChange(hr, { id: 'x', roles: ['employee'] }, ['admin'])).toThrow(/admin role/);
    expect(() => checkRoleChange(hr, { id: 'x', roles: ['admin'] }, ['employee'])).toThrow(/admin role/);
    expect(() => checkRoleChange(admin, { id: 'x', roles: ['employee'] }, ['admin'])).not.toThrow();
  });
  it('HR grants the roles below admin; others grant nothing', () => {
    expect(() => checkRoleChange(hr, { id: 'x', roles: ['employee'] }, ['hr', 'finance'])).not.toThrow();
    expect(() => checkRoleChange(user('d', ['director']), { id: 'x', roles: ['employee'] }, ['manager'])).toThrow(
      /Only HR and admins/,
    );
  });
});
