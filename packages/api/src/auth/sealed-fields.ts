import type { Repositories, SealedValue } from '@seed-pms/db';
import type { JobCounts } from '@seed-pms/domain';
import type { FastifyBaseLogger } from 'fastify';
import type { Keyring } from './secrets.js';

/**
 * One kind of value stored sealed under DATA_ENCRYPTION_KEY: what the key
 * rotation's re-seal job (`secrets.reseal`) walks. `name` becomes the prefix
 * of the job's counts, so it is a plain identifier (letters and digits).
 */
export interface SealedField {
  name: string;
  /** Up to `limit` stored values whose id comes after `afterId` (null: from the first), in id order. */
  list(afterId: string | null, limit: number): Promise<SealedValue[]>;
  /** Stores `to` only while the stored value is still `from`; false when it changed meanwhile (or is gone). */
  replace(id: string, from: string, to: string): Promise<boolean>;
}

/**
 * Every value the server stores sealed: the one list the re-seal job walks.
 * A new area that stores something sealed under `dataBox(config)` adds its
 * source here (one line: a name, a batch read by id, a conditional replace).
 */
export function sealedFields(repos: Repositories): SealedField[] {
  return [
    // Pending before confirmed: a confirmation that races the walk reloads or moves a re-sealed secret.
    {
      name: 'userPendingMfaSecrets',
      list: (afterId, limit) => repos.users.sealedMfaSecrets('pendingSecret', afterId, limit),
      replace: (id, from, to) => repos.users.replaceSealedMfaSecret('pendingSecret', id, from, to),
    },
    {
      name: 'userMfaSecrets',
      list: (afterId, limit) => repos.users.sealedMfaSecrets('secret', afterId, limit),
      replace: (id, from, to) => repos.users.replaceSealedMfaSecret('secret', id, from, to),
    },
    {
      name: 'employeePersonalData',
      list: repos.employees.sealedPersonalData,
      replace: repos.employees.replaceSealedPersonalData,
    },
    { name: 'dataKeys', list: repos.dataKeys.listWrapped, replace: repos.dataKeys.replaceWrapped },
    { name: 'webhookSecrets', list: repos.webhooks.listSealedSecrets, replace: repos.webhooks.replaceSealedSecret },
  ];
}

const FIELD_NAME = /^[A-Za-z][A-Za-z0-9]*$/;

/** What one source's walk found: values read, re-sealed, changed meanwhile (left), and unreadable. */
interface FieldCounts {
  checked: number;
  resealed: number;
  changed: number;
  unreadable: number;
}

/**
 * Re-seals, under the current key, every stored value that `needsReseal` (v1,
 * or a previous key), source by source in batches by id. Each write is
 * conditional on the value read, so a value changed meanwhile (sealed anew by
 * its own use case, under the current key) is left as it is and counted
 * `changed`. A value that opens under none of the keys is counted
 * `unreadable` (and logged by id); it is data lost unless its key comes back.
 * Counts are `<source>_<count>` plus `resealed` and `unreadable` in total.
 */
export async function resealAll(
  box: Keyring,
  fields: readonly SealedField[],
  options: { batchSize?: number; logger?: Pick<FastifyBaseLogger, 'warn' | 'info'> } = {},
): Promise<JobCounts> {
  const batchSize = options.batchSize ?? 200;
  const counts: JobCounts = { resealed: 0, unreadable: 0 };
  for (const field of fields) {
    if (!FIELD_NAME.test(field.name)) throw new Error(`sealed field name must be letters and digits: ${field.name}`);
    const found: FieldCounts = { checked: 0, resealed: 0, changed: 0, unreadable: 0 };
    const unreadable: string[] = [];
    let afterId: string | null = null;
    for (;;) {
      const batch: SealedValue[] = await field.list(afterId, batchSize);
      for (const { id, sealed } of batch) {
        found.checked += 1;
        if (!box.needsReseal(sealed)) continue;
        let resealed: string;
        try {
          resealed = box.reseal(sealed);
        } catch {
          found.unreadable += 1;
          if (unreadable.length < 20) unreadable.push(id);
          continue;
        }
        if (await field.replace(id, sealed, resealed)) found.resealed += 1;
        else found.changed += 1;
      }
      const last = batch.at(-1);
      if (batch.length < batchSize || !last) break;
      afterId = last.id;
    }
    if (found.unreadable > 0) {
      options.logger?.warn(
        { field: field.name, unreadable: found.unreadable, ids: unreadable },
        'sealed values that open under none of the data encryption keys',
      );
    }
    for (const [key, value] of Object.entries(found)) counts[`${field.name}_${key}`] = value;
    counts.resealed = (counts.resealed ?? 0) + found.resealed;
    counts.unreadable = (counts.unreadable ?? 0) + found.unreadable;
  }
  if ((counts.resealed ?? 0) > 0) options.logger?.info(counts, 'sealed values re-sealed under the current key');
  return counts;
}
