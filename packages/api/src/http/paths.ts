/** Where the REST surface lives; every spec endpoint is under it. */
export const API_PREFIX = '/api/v1';

/** Where the tRPC surface lives. */
export const TRPC_PREFIX = '/trpc';

/** Paths of the API itself (REST, tRPC, metrics), as opposed to the interactive docs. */
export function isApiPath(path: string): boolean {
  return path.startsWith(`${API_PREFIX}/`) || path.startsWith(`${TRPC_PREFIX}/`) || path === '/metrics';
}
