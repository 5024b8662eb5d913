import {
  type AttendanceSettings,
  type CapacitySettings,
  DEFAULT_SETTINGS,
  type FinanceSettings,
  type OrganizationSettings,
  type RetentionSettings,
  type SecuritySettings,
  type SettingsView,
} from '@seed-pms/domain';
import type { Collection } from 'mongodb';
import { isDuplicateKey } from '../errors.js';
import { updateVersioned } from '../versioning.js';
import { SETTINGS_ID, type SettingsDoc } from './settings.doc.js';
import { settingsView } from './settings.mapper.js';

/** The fields of each section to change; sections and fields left out keep their values. */
export interface SettingsChanges {
  security?: Partial<SecuritySettings> | undefined;
  capacity?: Partial<CapacitySettings> | undefined;
  organization?: Partial<OrganizationSettings> | undefined;
  attendance?: Partial<AttendanceSettings> | undefined;
  finance?: Partial<FinanceSettings> | undefined;
  retention?: Partial<RetentionSettings> | undefined;
}

/**
 * The organisation's settings: one document, read as a view. A change is one
 * write conditional on the version the caller saw. (The document's `_id` is a
 * fixed name rather than an ObjectId, so this is the one versioned write that
 * does not go through `updateVersioned`; it follows the same rule: the filter
 * holds the expected version, the update increments it.)
 */
export interface SettingsRepository {
  /** The settings, created with the defaults on first read. */
  get(now: Date): Promise<SettingsView>;
  /** At `expectedVersion` only (409 VERSION_CONFLICT with the current version otherwise). */
  update(expectedVersion: number, changes: SettingsChanges, now: Date): Promise<SettingsView>;
}

export function createSettingsRepository(collections: { settings: Collection<SettingsDoc> }): SettingsRepository {
  const { settings } = collections;

  async function load(now: Date): Promise<SettingsDoc> {
    const found = await settings.findOne({ _id: SETTINGS_ID });
    if (found) return found;
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
      // Two first reads raced to create it: read the winner's.
      if (!isDuplicateKey(error)) throw error;
      const raced = await settings.findOne({ _id: SETTINGS_ID });
      if (!raced) throw error;
      return raced;
    }
  }

  return {
    get: async (now) => settingsView(await load(now)),

    async update(expectedVersion, changes, now) {
      const set: Record<string, unknown> = {};
      for (const section of ['security', 'capacity', 'organization', 'attendance', 'finance', 'retention'] as const) {
        for (const [key, value] of Object.entries(changes[section] ?? {})) set[`${section}.${key}`] = value;
      }
      // Created with the defaults on first read, so a change always finds the document.
      await load(now);
      return settingsView(
        await updateVersioned(settings, SETTINGS_ID, expectedVersion, { $set: set }, { resource: 'Settings', now }),
      );
    },
  };
}
