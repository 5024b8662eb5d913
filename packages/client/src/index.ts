import type { AppRouter } from '@seed-pms/api/router';
import type { ApiErrorBody, ErrorCode } from '@seed-pms/domain';
import {
  createTRPCClient,
  httpBatchLink,
  httpLink,
  httpSubscriptionLink,
  isNonJsonSerializable,
  splitLink,
  type TRPCClient,
  TRPCClientError,
} from '@trpc/client';
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

/**
 * Where the access token lives: in memory, never in localStorage (spec 5.1).
 * The client reads it for every call and writes the new one after a refresh
 * (null when the session has ended and the user must sign in again).
 */
export interface TokenStore {
  get(): string | null;
  set(token: string | null): void;
}

/** A token store in a variable: what a single-page app normally wants. */
export function memoryTokenStore(initial: string | null = null): TokenStore {
  let token = initial;
  return {
    get: () => token,
    set: (next) => {
      token = next;
    },
  };
}

export interface AuthOptions {
  tokens: TokenStore;
  /**
   * The csrf_token cookie's value, sent as x-csrf-token with the refresh. By
   * default it is read from `document.cookie` (browsers).
   */
  getCsrfToken?: () => string | null | undefined;
  /** Called when a refresh fails: the session is over (signed out elsewhere, revoked, expired). */
  onSessionEnded?: () => void;
  /** Refresh this long before the access token expires, so calls rarely meet a 401. Default 30 s. */
  refreshLeewaySeconds?: number;
}

export interface ClientOptions {
  /** The API's base URL, e.g. `https://pms.example.com` (the client calls `${url}/trpc`). */
  url: string;
  /**
   * Signed-in use: the token store, and automatic refresh. The client sends
   * the access token, refreshes it shortly before it expires, and when a call
   * answers 401 UNAUTHENTICATED refreshes once through the refresh cookie and
   * retries the call once. Other errors, 401 INVALID_CREDENTIALS at sign-in
   * included, are never retried.
   */
  auth?: AuthOptions;
  /** Returns the current access token (when you manage tokens yourself; `auth` does this for you). */
  getAccessToken?: () => string | null | undefined | Promise<string | null | undefined>;
  /** Extra headers for every request. */
  headers?: HeaderMap | (() => HeaderMap | Promise<HeaderMap>);
  /** At most this many calls per HTTP request; keep it at or below the server's limit. */
  maxBatchSize?: number;
  /**
   * The EventSource subscriptions (`notifications.onNew`, `messages.onEvent`) use: the browser's by
   * default; in Node pass one, e.g. the `eventsource` package's.
   */
  EventSource?: unknown;
  /** Cookies travel with requests (`include`) so the refresh cookie reaches the auth routes. */
  credentials?: RequestCredentials;
  fetch?: typeof fetch;
}

/** The refresh and logout routes, where the browser sends the refresh cookie. */
export const REFRESH_PATH = '/api/v1/auth/refresh';

function csrfFromDocument(): string | null {
  const doc = (globalThis as { document?: { cookie?: string } }).document;
  const match = /(?:^|;\s*)csrf_token=([^;]*)/.exec(doc?.cookie ?? '');
  return match?.[1] ? decodeURIComponent(match[1]) : null;
}

/** Seconds until a JWT expires (from its `exp` claim), or null when it cannot be read. */
export function secondsUntilExpiry(token: string, nowMs = Date.now()): number | null {
  try {
    const payload = token.split('.')[1];
    if (!payload) return null;
    const json = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as { exp?: unknown };
    return typeof json.exp === 'number' ? json.exp - nowMs / 1000 : null;
  } catch {
    return null;
  }
}

/**
 * Refreshes through the refresh cookie; concurrent callers share one refresh,
 * since a refresh token works once (a second use would look like theft).
 */
function createRefresher(base: string, auth: AuthOptions, doFetch: typeof fetch, credentials: RequestCredentials) {
  let inFlight: Promise<string | null> | null = null;
  const run = async (): Promise<string | null> => {
    const csrf = (auth.getCsrfToken ?? csrfFromDocument)() ?? '';
    let token: string | null = null;
    try {
      const response = await doFetch(`${base}${REFRESH_PATH}`, {
        method: 'POST',
        credentials,
        headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
        body: '{}',
      });
      if (response.ok) token = ((await response.json()) as { accessToken?: string }).accessToken ?? null;
    } catch {
      token = null;
    }
    auth.tokens.set(token);
    if (token === null) auth.onSessionEnded?.();
    return token;
  };
  return () => {
    inFlight ??= run().finally(() => {
      inFlight = null;
    });
    return inFlight;
  };
}

/** The error code a call's answer carries (the spec's envelope in tRPC's `data.error`). */
function errorCodeIn(item: unknown): unknown {
  const error = (item as { error?: { data?: { error?: { code?: unknown } } } } | null)?.error;
  return error?.data?.error?.code;
}

/**
 * True when every call in a (batched or single) tRPC answer failed with
 * UNAUTHENTICATED, the only code that means "refresh the access token". The
 * body is read from a copy, so the answer stays readable by tRPC.
 */
async function onlyUnauthenticated(response: Response): Promise<boolean> {
  let body: unknown;
  try {
    body = await response.clone().json();
  } catch {
    return false;
  }
  const items = Array.isArray(body) ? body : [body];
  return items.length > 0 && items.every((item) => errorCodeIn(item) === 'UNAUTHENTICATED');
}

/**
 * Gets an access token from the refresh cookie alone, e.g. after a page
 * reload (the access token lived in memory). Resolves to the token, also
 * stored in `auth.tokens`, or null when there is no live session.
 */
export function restoreSession(
  options: Pick<ClientOptions, 'url' | 'fetch' | 'credentials'> & { auth: AuthOptions },
): Promise<string | null> {
  const base = options.url.replace(/\/+$/, '');
  return createRefresher(base, options.auth, options.fetch ?? globalThis.fetch, options.credentials ?? 'include')();
}

/**
 * A typed client for the whole API. Dates arrive as ISO strings, as the API
 * sends them (no transformer). Calls made in the same tick are batched.
 */
export function createClient(options: ClientOptions): ApiClient {
  const base = options.url.replace(/\/+$/, '');
  const doFetch = options.fetch ?? globalThis.fetch;
  const credentials = options.credentials ?? 'include';
  const auth = options.auth;
  const refresh = auth ? createRefresher(base, auth, doFetch, credentials) : null;
  const leeway = auth?.refreshLeewaySeconds ?? 30;

  async function currentToken(): Promise<string | null | undefined> {
    if (!auth || !refresh) return options.getAccessToken?.();
    const token = auth.tokens.get();
    const left = token ? secondsUntilExpiry(token) : null;
    if (token && left !== null && left < leeway) return refresh();
    return token;
  }

  const withToken = (init: RequestInit | undefined, token: string | null | undefined): RequestInit => {
    const headers = new Headers(init?.headers);
    if (token) headers.set('authorization', `Bearer ${token}`);
    else headers.delete('authorization');
    return { ...init, headers, credentials };
  };

  const transport = {
    url: `${base}/trpc`,
    async headers() {
      const extra = typeof options.headers === 'function' ? await options.headers() : (options.headers ?? {});
      const token = await currentToken();
      return token ? { ...extra, authorization: `Bearer ${token}` } : extra;
    },
    async fetch(input: unknown, init: unknown) {
      const first = await doFetch(input as RequestInfo, { ...(init as RequestInit), credentials });
      // A 401 whose every call answered UNAUTHENTICATED means the access token was refused before
      // any call ran: refresh once and retry once. Other 401s (a wrong password at sign-in) are
      // answers, and sending them again would only count another failed attempt.
      if (first.status !== 401 || !refresh || !auth?.tokens.get()) return first;
      if (!(await onlyUnauthenticated(first))) return first;
      const token = await refresh();
      if (!token) return first;
      return doFetch(input as RequestInfo, withToken(init as RequestInit, token));
    },
  };

  const calls = splitLink<AppRouter>({
    // Uploads (FormData inputs, e.g. employees.uploadImage) go alone; everything else is batched.
    condition: (op) => isNonJsonSerializable(op.input),
    true: httpLink(transport),
    false: httpBatchLink({ ...transport, maxItems: options.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE }),
  });
  const EventSourceImpl = options.EventSource ?? (globalThis as { EventSource?: unknown }).EventSource;
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        // Server-sent events: an EventSource sends no headers, so the access token (read at each
        // (re)connect, refreshed when due) travels as a connection parameter; a reconnect resumes
        // from the last event it received.
        true: httpSubscriptionLink({
          url: `${base}/trpc`,
          ...(EventSourceImpl ? { EventSource: EventSourceImpl as typeof globalThis.EventSource } : {}),
          eventSourceOptions: () => ({ withCredentials: credentials === 'include' }),
          connectionParams: async () => {
            const token = await currentToken();
            return token ? { token } : {};
          },
        }),
        false: calls,
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
