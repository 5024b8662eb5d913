import { accessQuery, defineAbilityFor } from '@seed-pms/domain';
import { ObjectId } from 'mongodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { type AccessFields, withAccess } from '../src/access-filter.js';
import { useTestDatabase } from '../src/testing/vitest.js';

/** The access query applied to a real collection: a list shows exactly the rows the ability allows. */
const database = useTestDatabase(import.meta.url);
const me = new ObjectId();
const other = new ObjectId();
const fields: AccessFields = { id: { path: '_id', id: true }, userId: { path: 'userId', id: true } };

interface Row {
  _id: ObjectId;
  userId: ObjectId;
  kind: string;
  roles: string[];
}
const rows = () => database().collection<Row>('access_rows');

beforeAll(async () => {
  await rows().insertMany([
    { _id: new ObjectId(), userId: me, kind: 'a', roles: ['employee'] },
    { _id: new ObjectId(), userId: me, kind: 'b', roles: ['admin'] },
    { _id: new ObjectId(), userId: other, kind: 'a', roles: ['employee'] },
  ]);
});

const kindsOf = async (filter: object | null) =>
  filter === null
    ? []
    : (await rows().find(filter).toArray()).map((r) => `${r.userId.equals(me) ? 'me' : 'other'}:${r.kind}`).sort();

describe('withAccess', () => {
  it('narrows a list to the caller’s own rows, combined with its filters under $and', async () => {
    const employee = defineAbilityFor({ id: me.toHexString(), roles: ['employee'] });
    const access = accessQuery(employee, 'read', 'Session');
    expect(await kindsOf(withAccess({}, access, fields))).toEqual(['me:a', 'me:b']);
    // A filter on the same field cannot widen it: {$and}, never spread.
    expect(await kindsOf(withAccess({ userId: other }, access, fields))).toEqual([]);
    expect(await kindsOf(withAccess({ kind: 'a' }, access, fields))).toEqual(['me:a']);
  });

  it('leaves the filter alone for all, and answers no query at all for none', async () => {
    const admin = defineAbilityFor({ id: me.toHexString(), roles: ['admin'] });
    expect(await kindsOf(withAccess({ kind: 'a' }, accessQuery(admin, 'read', 'Session'), fields))).toEqual([
      'me:a',
      'other:a',
    ]);
    const employee = defineAbilityFor({ id: me.toHexString(), roles: ['employee'] });
    expect(withAccess({}, accessQuery(employee, 'read', 'AuditLog'), fields)).toBeNull();
  });

  it('keeps cannot rules: HR may change every account but admins', async () => {
    const hr = defineAbilityFor({ id: me.toHexString(), roles: ['hr'] });
    const filter = withAccess({}, accessQuery(hr, 'update', 'User'), { roles: { path: 'roles' } });
    expect(await kindsOf(filter)).toEqual(['me:a', 'other:a']);
  });

  it('refuses a rule on a field the collection does not map, rather than ignore it', () => {
    const employee = defineAbilityFor({ id: me.toHexString(), roles: ['employee'] });
    expect(() => withAccess({}, accessQuery(employee, 'read', 'Session'), { id: { path: '_id' } })).toThrow(/userId/);
  });
});
