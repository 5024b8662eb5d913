import { DATA_CLASSES, EXPORT_AREA_NAMES, PERSONAL_DATA_INVENTORY } from '@seed-pms/domain';
import { describe, expect, it } from 'vitest';
import { ALL_COLLECTIONS } from '../src/connection.js';
import { declaredCollections } from './doc-fields.js';

/**
 * The personal-data inventory is complete: every collection the database
 * creates and every field its document type declares is classified, and
 * nothing is classified that is not stored. A new collection or field fails
 * here until it says what it holds, why, for how long, where an export puts it
 * and what erasure does to it.
 */
const declared = declaredCollections();
const inventory = new Map(PERSONAL_DATA_INVENTORY.map((entry) => [entry.collection, entry]));

describe('the personal-data inventory', () => {
  it('classifies every collection the database creates, and no other', () => {
    const created = ALL_COLLECTIONS.map((def) => def.name).sort();
    expect([...inventory.keys()].sort()).toEqual(created);
    expect(PERSONAL_DATA_INVENTORY).toHaveLength(inventory.size);
    // Every created collection has a declared document type the checker can read.
    expect(created.filter((name) => !declared.has(name))).toEqual([]);
  });

  it('classifies every field of every stored document, and no field that is not stored', () => {
    const mismatches: string[] = [];
    for (const [name, fields] of declared) {
      const entry = inventory.get(name);
      if (!entry) continue;
      const listed = Object.keys(entry.fields).sort();
      for (const field of fields.filter((f) => !listed.includes(f)))
        mismatches.push(`${name}.${field} is not classified`);
      for (const field of listed.filter((f) => !fields.includes(f))) mismatches.push(`${name}.${field} is not stored`);
    }
    expect(mismatches).toEqual([]);
  });

  it('says for each collection with personal data why, for how long, and what export and erasure do', () => {
    for (const entry of PERSONAL_DATA_INVENTORY) {
      const classes = Object.values(entry.fields).filter((c) => (DATA_CLASSES as readonly string[]).includes(c));
      expect(entry.retention.length, entry.collection).toBeGreaterThan(0);
      if (entry.exportArea) expect(EXPORT_AREA_NAMES).toContain(entry.exportArea);
      if (classes.length > 0) {
        // Personal data is either erased in some way or kept for a stated reason.
        expect(entry.erasure, entry.collection).not.toBe('none');
        // …and either exported or not for a reason given.
        if (!entry.exportArea) expect(entry.note, `${entry.collection}: why it is not exported`).toBeTruthy();
      }
      if (entry.subjectField) expect(Object.keys(entry.fields), entry.collection).toContain(entry.subjectField);
    }
  });
});
