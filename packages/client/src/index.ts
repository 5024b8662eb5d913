import type { AppRouter } from '@seed-pms/api/router';
import type { ApiErrorBody, ErrorCode } from '@seed-pms/domain';
import { createTRPCClient, httpBatchLink, type TRPCClient, TRPCClientError } from '@trpc/client';
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';

export type { AppRouter, ApiErrorBody, ErrorCode };
/** Inputs of every procedure, e.g. `RouterInputs['health']['live']`. */
export type RouterInputs = inferRouterInputs<AppRouter>;
/** Outputs of every procedure, e.g. `RouterOutputs['health']['ready']`. */
export type RouterOutputs = inferRouterOutputs<AppRouter>;
export type ApiClient = TRPCClient<AppRouter>;

/** The server refuses batches larger than this (TRPC_MAX_BATCH_SIZE, default 10). */
export const DEFAULT_MAX_BATCH_SIZE = 10;

type HeaderMap = Record<string, string>;

export interface ClientOptions {
  /** The API's base URL, e.g. `https://pms.example.com` (the client calls `${url}/trpc`). */
  url: string;
  /** Returns the current access token; sent as `Authorization: Bearer …` when present. */
  getAccessToken?: () => string | null | undefined | Promise<string | null | undefined>;
  /** Extra headers for every request. */
  headers?: HeaderMap | (() => HeaderMap | Promise<HeaderMap>);
  /** At most this many calls per HTTP request; keep it at or below the server's limit. */
  maxBatchSize?: number;
  /** Cookies travel with requests (`include`) so the refresh cookie reaches the auth routes. */
  credentials?: RequestCredentials;
  fetch?: typeof fetch;
}

/**
 * A typed client for the whole API. Dates arrive as ISO strings, as the API
 * sends them (no transformer). Calls made in the same tick are batched.
 */
export function createClient(options: ClientOptions): ApiClient {
  const base = options.url.replace(/\/+$/, '');
  const doFetch = options.fetch ?? globalThis.fetch;
  return createTRPCClient<AppRouter>({
    links: [
      httpBatchLink({
        url: `${base}/trpc`,
        maxItems: options.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE,
        async headers() {
          const extra = typeof options.headers === 'function' ? await options.headers() : (options.headers ?? {});
          const token = await options.getAccessToken?.();
          return token ? { ...extra, authorization: `Bearer ${token}` } : extra;
        },
        fetch: (input, init) =>
          doFetch(input, { ...(init as RequestInit), credentials: options.credentials ?? 'include' }),
      }),
    ],
  });
}

export type ApiClientError = TRPCClientError<AppRouter>;

export function isApiError(error: unknown): error is ApiClientError {
  return error instanceof TRPCClientError;
}

/**
 * The spec's error body (`{ code, message, details, timestamp, requestId, path }`)
 * carried by a failed call, or undefined for failures that never reached the API
 * (network down, aborted).
 */
export function apiErrorOf(error: unknown): ApiErrorBody | undefined {
  if (!isApiError(error)) return undefined;
  const data = error.data as { error?: ApiErrorBody } | undefined | null;
  return data?.error;
}

/** True when a call failed with this error code, e.g. `hasErrorCode(e, 'VERSION_CONFLICT')`. */
export function hasErrorCode(error: unknown, code: ErrorCode): boolean {
  return apiErrorOf(error)?.code === code;
}
