import type { PersonalInfo } from '@seed-pms/domain';
import type { SecretBox } from '../auth/secrets.js';

/**
 * Personal data (birth date, home address, emergency contact…) is stored
 * sealed with AES-256-GCM under DATA_ENCRYPTION_KEY (`dataBox`, which also
 * reads what the previous keys sealed): a copy of the database,
 * a backup or a query console shows ciphertext. Nothing filters or sorts on
 * these fields, so nothing is lost by it.
 */
export interface PersonalDataBox {
  /** The sealed form to store; null for an empty block. */
  seal(personal: PersonalInfo): string | null;
  open(sealed: string | null): PersonalInfo;
}

export function personalDataBox(box: SecretBox): PersonalDataBox {
  return {
    seal: (personal) =>
      Object.values(personal).some((value) => value !== undefined && value !== null)
        ? box.seal(JSON.stringify(personal))
        : null,
    open: (sealed) => (sealed === null ? {} : (JSON.parse(box.open(sealed)) as PersonalInfo)),
  };
}
