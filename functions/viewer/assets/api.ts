/**
 * The viewer's calls to the API, through the typed client with routes named
 * by ROUTE_INDEX (data in the built script, no schema), and what a failed
 * call shows: status, error code, message, and on 429 and 5xx-unavailable
 * answers the wait before the retry (Retry-After when the API sends it).
 */
import { ApiError, createClient, type RouteAnswer, type RouteRef } from "#shared/client/client.ts";
import type { InputArgs } from "#shared/client/route-types.ts";
import { clearNotice, notice } from "./dom.ts";
import { storedKey } from "./key.ts";

/** fetch threw: the API was not reached (offline, connection dropped, blocked). */
class Unreachable extends Error {}

async function fetchOrUnreachable(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(input, init);
  } catch {
    throw new Unreachable("The API could not be reached.");
  }
}

// The page is served at <stage>/viewer; the API's routes follow the stage.
const client = createClient({
  baseUrl: location.pathname.replace(/\/viewer\/?$/, ""),
  headers: (): Record<string, string> => ({ "X-API-Key": storedKey() ?? "" }),
  fetch: fetchOrUnreachable,
  init: { cache: "no-store" },
});

/** A call that did not answer: no connection, or a status the route does not document. */
export interface Failure {
  /** 0 when the API could not be reached. */
  status: number;
  code: string;
  message: string;
  retryAfterSeconds: number | undefined;
}

const RETRYABLE = new Set([0, 429, 502, 503, 504]);

let onUnauthorized: (failure: Failure) => void = () => {};

/** What the page does when the API refuses the key (forget it, ask again). */
export function whenUnauthorized(handler: (failure: Failure) => void): void {
  onUnauthorized = handler;
}

function retryAfter(headers: Headers): number | undefined {
  const seconds = Number(headers.get("Retry-After"));
  return Number.isFinite(seconds) && seconds > 0 ? seconds : undefined;
}

/** The failure a thrown value stands for, or undefined when it is not about the API. */
export function failureOf(thrown: unknown): Failure | undefined {
  if (thrown instanceof ApiError) {
    const bare = thrown.error_code === "UNEXPECTED_ANSWER";
    return {
      status: thrown.status,
      code: bare ? `HTTP_${thrown.status}` : thrown.error_code,
      message: bare ? `The API answered ${thrown.status}.` : thrown.message,
      retryAfterSeconds: retryAfter(thrown.headers),
    };
  }
  if (thrown instanceof Unreachable) {
    return { status: 0, code: "NETWORK_ERROR", message: thrown.message, retryAfterSeconds: 2 };
  }
  return undefined;
}

export const isNotFound = (thrown: unknown): boolean =>
  thrown instanceof ApiError && thrown.status === 404;

/** One call of a route with this tab's key; a refused key goes back to the key form. */
export async function call<R extends RouteRef>(
  route: R,
  ...input: InputArgs<R>
): Promise<RouteAnswer<R>> {
  if (!storedKey()) {
    throw new ApiError(401, "UNAUTHORIZED", "Enter an API key.", undefined, new Headers());
  }
  try {
    return await client.call(route, ...input);
  } catch (thrown) {
    const failure = failureOf(thrown);
    if (failure?.status === 401) onUnauthorized(failure);
    throw thrown;
  }
}

/** Shows what went wrong; answers how long to wait before retrying, or undefined. */
export function report(thrown: unknown, what: string): number | undefined {
  const failure = failureOf(thrown);
  if (failure === undefined) {
    notice(`${what} failed: ${String(thrown)}`, "error", what);
    return undefined;
  }
  if (failure.status === 401) return undefined;
  if (RETRYABLE.has(failure.status)) {
    const seconds = failure.retryAfterSeconds ?? 2;
    notice(`${what}: ${failure.code}: ${failure.message} Retrying in ${seconds}s.`, "error", what);
    return seconds;
  }
  notice(`${what}: ${failure.code}: ${failure.message}`, "error", what);
  return undefined;
}

export const wait = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

/** Calls `load` until it succeeds or fails for good, retrying what the API says to retry. */
export async function withRetry<T>(
  what: string,
  load: () => Promise<T>,
  isCurrent: () => boolean = () => true,
): Promise<T> {
  for (;;) {
    try {
      const result = await load();
      // A retry that went through takes its own "Retrying in" notice with it.
      clearNotice(what);
      return result;
    } catch (failure) {
      const seconds = report(failure, what);
      if (seconds === undefined || !isCurrent()) throw failure;
      await wait(seconds * 1000);
      if (!isCurrent()) throw failure;
    }
  }
}
