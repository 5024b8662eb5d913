import { join } from 'node:path';
import type { Config } from '../../config/config.js';
import { LocalObjectStorage } from './local-storage.js';
import { S3ObjectStorage } from './s3-storage.js';
import type { ObjectStorage } from './storage.js';

export type StorageConfig = Pick<
  Config,
  | 'STORAGE_DRIVER'
  | 'FILE_URL_SECRET'
  | 'S3_ENDPOINT'
  | 'S3_REGION'
  | 'S3_BUCKET'
  | 'S3_ACCESS_KEY_ID'
  | 'S3_SECRET_ACCESS_KEY'
  | 'S3_FORCE_PATH_STYLE'
  | 'S3_PUBLIC_ENDPOINT'
>;

/**
 * The storage STORAGE_DRIVER names. `dataDir` is DATA_DIR resolved (local
 * objects go to `<dataDir>/storage`); `baseUrl` is the API's public origin that
 * local download URLs point at. Call ensureReady() before serving.
 */
export function createStorage(config: StorageConfig, context: { dataDir: string; baseUrl: string }): ObjectStorage {
  if (config.STORAGE_DRIVER === 'local') {
    return new LocalObjectStorage({
      root: join(context.dataDir, 'storage'),
      urlSecret: config.FILE_URL_SECRET,
      baseUrl: context.baseUrl,
    });
  }
  // The config schema already requires these three when STORAGE_DRIVER=s3.
  const { S3_BUCKET: bucket, S3_ACCESS_KEY_ID: accessKeyId, S3_SECRET_ACCESS_KEY: secretAccessKey } = config;
  if (!bucket || !accessKeyId || !secretAccessKey) {
    throw new Error('STORAGE_DRIVER=s3 needs S3_BUCKET, S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY');
  }
  return new S3ObjectStorage({
    ...(config.S3_ENDPOINT ? { endpoint: config.S3_ENDPOINT } : {}),
    region: config.S3_REGION,
    bucket,
    accessKeyId,
    secretAccessKey,
    forcePathStyle: config.S3_FORCE_PATH_STYLE,
    ...(config.S3_PUBLIC_ENDPOINT ? { publicEndpoint: config.S3_PUBLIC_ENDPOINT } : {}),
  });
}
