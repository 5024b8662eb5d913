import type { S3ServerInfo } from './versitygw.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The S3 server the storage tests use (each test file makes its own bucket). */
    s3: S3ServerInfo;
    /** clamd for the virus-scan tests, as tcp://host:port; it flags the EICAR test string. */
    clamavUrl: string;
  }
}
