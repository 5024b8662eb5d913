import { DEFAULT_SETTINGS, type SettingsView, versionConflict } from '@seed-pms/domain';
import type { Collection, WithId } from 'mongodb';
import { isDuplicateKey } from '../errors.js';
import { SETTINGS_ID, type SettingsDoc } from './settings.doc.js';

function withDefaults(doc: WithId<SettingsDoc>): WithId<SettingsDoc> {
  return {
    ...doc,
    security: { ...DEFAULT_SETTINGS.security, ...doc.security },
    capacity: { ...DEFAULT_SETTINGS.capacity, ...doc.capacity },
    organization: { ...DEFAULT_SETTINGS.organization, ...doc.organization },
  };
}

/**
 * The settings, created with the defaults on first read. Sections missing from
 * an older document (added by a later release) read as their defaults.
 */
export async function loadSettings(settings: Collection<SettingsDoc>, now: Date): Promise<WithId<SettingsDoc>> {
  const found = await settings.findOne({ _id: SETTINGS_ID });
  if (found) return withDefaults(found);
  const doc: SettingsDoc = {
    _id: SETTINGS_ID,
    ...structuredClone(DEFAULT_SETTINGS),
    version: 1,
    createdAt: now,
    updatedAt: now,
  };
  try {
    await settings.insertOne(doc);
    return doc;
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    const raced = await settings.findOne({ _id: SETTINGS_ID });
    if (!raced) throw error;
    return loadSettings(settings, now);
  }
}

/** Sets the given fields if the settings still have `expectedVersion` (409 VERSION_CONFLICT otherwise). */
export async function updateSettings(
  settings: Collection<SettingsDoc>,
  expectedVersion: number,
  set: Record<string, unknown>,
  now: Date,
): Promise<WithId<SettingsDoc>> {
  const updated = await settings.findOneAndUpdate(
    { _id: SETTINGS_ID, version: expectedVersion },
    { $set: { ...set, updatedAt: now }, $inc: { version: 1 } },
    { returnDocument: 'after' },
  );
  if (updated) return withDefaults(updated);
  const current = await loadSettings(settings, now);
  throw versionConflict('Settings', SETTINGS_ID, expectedVersion, current.version);
}

export function toSettingsView(doc: SettingsDoc): SettingsView {
  return {
    security: doc.security,
    capacity: doc.capacity,
    organization: doc.organization,
    version: doc.version,
    updatedAt: doc.updatedAt.toISOString(),
  };
}
