import { subject } from '@casl/ability';
import { describe, expect, it } from 'vitest';
import { accessQuery, defineAbilityFor, type Role } from '../src/index.js';

const ME = 'a'.repeat(24);
const ability = (roles: Role[]) => defineAbilityFor({ id: ME, roles });

describe('accessQuery: what a list may show, from the same rules that check one object', () => {
  it.each([
    [
      'an employee’s sessions: their own',
      ['employee'],
      'read',
      'Session',
      { kind: 'where', condition: { userId: ME } },
    ],
    ['an admin’s sessions: all', ['admin'], 'read', 'Session', { kind: 'all' }],
    ['an employee’s audit log: nothing', ['employee'], 'read', 'AuditLog', { kind: 'none' }],
    ['HR’s audit log: all', ['hr'], 'read', 'AuditLog', { kind: 'all' }],
    [
      'an employee’s files: their own uploads',
      ['employee'],
      'read',
      'File',
      { kind: 'where', condition: { uploadedBy: ME } },
    ],
  ] as const)('%s', (_name, roles, action, subjectName, expected) => {
    expect(accessQuery(ability([...roles]), action, subjectName)).toEqual(expected);
  });

  it('a cannot rule bounds the can rules below it (HR may update every user but admins)', () => {
    expect(accessQuery(ability(['hr']), 'update', 'User')).toEqual({
      kind: 'where',
      condition: { $nor: [{ roles: 'admin' }] },
    });
  });

  it('several can rules are alternatives; field-limited rules grant the rows too', () => {
    const query = accessQuery(ability(['employee']), 'read', 'Employee');
    // Everyone reads the public fields of every profile: all rows.
    expect(query).toEqual({ kind: 'all' });
    const comments = accessQuery(ability(['employee']), 'update', 'ProjectComment');
    expect(comments.kind).toBe('where');
  });

  it('agrees with the object check on concrete objects', () => {
    const employee = ability(['employee']);
    const mine = { id: 's1', userId: ME };
    const theirs = { id: 's2', userId: 'b'.repeat(24) };
    expect(employee.can('read', subject('Session', mine))).toBe(true);
    expect(employee.can('read', subject('Session', theirs))).toBe(false);
    const query = accessQuery(employee, 'read', 'Session');
    expect(query.kind === 'where' && query.condition).toEqual({ userId: ME });
  });
});
