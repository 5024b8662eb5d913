import { describe, expect, it } from 'vitest';
import { allOf } from '../src/filters.js';

describe('allOf', () => {
  it('merges clauses on different fields into one object', () => {
    expect(allOf([{ status: 'active' }, { departmentKey: 'it' }])).toEqual({ status: 'active', departmentKey: 'it' });
    expect(allOf([])).toEqual({});
  });

  it('keeps a field named twice, and operators, under $and', () => {
    const a = /^ada/;
    const b = /^lov/;
    expect(allOf([{ status: 'active' }, { searchKeys: a }, { searchKeys: b }, { $or: [{ x: 1 }, { y: 2 }] }])).toEqual({
      status: 'active',
      searchKeys: a,
      $and: [{ searchKeys: b }, { $or: [{ x: 1 }, { y: 2 }] }],
    });
    expect(allOf([{ t: { $gte: 1 } }, { t: { $lt: 5 } }])).toEqual({ t: { $gte: 1 }, $and: [{ t: { $lt: 5 } }] });
  });
});
