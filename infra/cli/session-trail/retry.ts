/**
 * The command line's fetch: a connection that fails becomes a NetworkError,
 * and what may be sent again is retried across 429, 502, 503, 504 and dropped
 * connections, waiting as long as Retry-After says. A 429 is refused before
 * anything runs, so even a write is sent again after one.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { NetworkError } from "./errors.ts";

const RETRYABLE_STATUSES = new Set([429, 502, 503, 504]);
const MAX_BACKOFF_SECONDS = 10;

export interface RetryNotice {
  reason: string;
  waitSeconds: number;
}

export interface RetryPolicy {
  /** Tries in all for a retryable failure; Infinity keeps trying (a follower). Default: 3 for a GET, 1 else. */
  attempts?: number;
  onRetry: (notice: RetryNotice) => void;
}

/** Retry-After in seconds, when the answer carries a usable one. */
export function retryAfterOf(headers: Headers): number | undefined {
  const seconds = Number(headers.get("retry-after") ?? Number.NaN);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined;
}

/** `CODE: message` from an error body, or the status when there is none. */
async function reasonOf(response: Response): Promise<string> {
  try {
    const body: unknown = await response.clone().json();
    if (typeof body === "object" && body !== null && "error_code" in body && "message" in body) {
      return `${String(body.error_code)}: ${String(body.message)}`;
    }
  } catch {
    // Not the API's error body: the status says enough.
  }
  return `HTTP_${response.status}: The API answered ${response.status} ${response.statusText}.`;
}

function causeOf(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause;
    if (cause instanceof Error) {
      const code = (cause as Error & { code?: unknown }).code;
      return typeof code === "string" ? code : cause.message;
    }
    return error.message;
  }
  return String(error);
}

/** A fetch for the typed client that reaches `baseUrl` with the retries above. */
export function retryingFetch(baseUrl: string, policy: RetryPolicy): typeof fetch {
  return async (input, init) => {
    const method = init?.method ?? "GET";
    const attempts = policy.attempts ?? (method === "GET" ? 3 : 1);
    for (let attempt = 1; ; attempt += 1) {
      let response: Response | undefined;
      let reason: string;
      try {
        response = await fetch(input, init);
        const retryable =
          RETRYABLE_STATUSES.has(response.status) && (method === "GET" || response.status === 429);
        if (!retryable || attempt >= attempts) return response;
        reason = await reasonOf(response);
      } catch (error) {
        const failure = new NetworkError(`Could not reach ${baseUrl}: ${causeOf(error)}.`);
        if (method !== "GET" || attempt >= attempts) throw failure;
        reason = failure.message;
      }
      const retryAfter = response && retryAfterOf(response.headers);
      const waitSeconds = Math.min(MAX_BACKOFF_SECONDS, retryAfter ?? 2 ** (attempt - 1));
      policy.onRetry({ reason, waitSeconds });
      await sleep(waitSeconds * 1000);
    }
  };
}
