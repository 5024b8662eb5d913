/** Where the REST surface lives; every spec endpoint is under it. */
export const API_PREFIX = '/api/v1';

/** Where the tRPC surface lives. */
export const TRPC_PREFIX = '/trpc';
