import { DEFAULT_SETTINGS, type SettingsView } from '@seed-pms/domain';
import type { SettingsDoc } from './settings.doc.js';

/**
 * The settings document as the API shows it. Sections missing from an older
 * document (added by a later release) read as their defaults.
 */
export function settingsView(doc: SettingsDoc): SettingsView {
  return {
    security: { ...DEFAULT_SETTINGS.security, ...doc.security },
    capacity: { ...DEFAULT_SETTINGS.capacity, ...doc.capacity },
    organization: { ...DEFAULT_SETTINGS.organization, ...doc.organization },
    attendance: { ...DEFAULT_SETTINGS.attendance, ...doc.attendance },
    finance: { ...DEFAULT_SETTINGS.finance, ...doc.finance },
    retention: { ...DEFAULT_SETTINGS.retention, ...doc.retention },
    version: doc.version,
    updatedAt: doc.updatedAt.toISOString(),
  };
}
