export { type ClamdOptions, clamdBinary, EICAR, EICAR_SIGNATURE, type RunningClamd, startClamd } from './clamd.js';
export type {} from './provided.js';
export { type RunningS3Server, type S3ServerInfo, startVersityGw, VERSITYGW_VERSION } from './versitygw.js';
