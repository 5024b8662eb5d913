import type {
  AttendanceSettings,
  CapacitySettings,
  FinanceSettings,
  OrganizationSettings,
  RetentionSettings,
  SecuritySettings,
} from '@seed-pms/domain';
import { defineCollection } from '../collections.js';

export const SETTINGS_ID = 'organization';

/** The organisation's settings: one document (spec: organizational_settings). */
export interface SettingsDoc {
  _id: typeof SETTINGS_ID;
  security: SecuritySettings;
  capacity: CapacitySettings;
  organization: OrganizationSettings;
  /** Added with attendance: older documents lack it (read as the defaults). */
  attendance?: AttendanceSettings;
  /** Added with expenses (read as the defaults when missing). */
  finance?: FinanceSettings;
  /** Added with privacy (read as the defaults when missing). */
  retention?: RetentionSettings;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export const settingsCollection = defineCollection<SettingsDoc>('organizational_settings', []);
