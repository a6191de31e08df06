/**
 * The command line's only way to the service: the public HTTP API with the
 * X-API-Key header. Answers are parsed with zod; error bodies become ApiErrors.
 * Idempotent reads are retried across 429, 503, 504 and dropped connections,
 * waiting as long as Retry-After says.
 */
import { setTimeout as sleep } from "node:timers/promises";
import * as z from "zod";
import { ApiError, NetworkError } from "./errors.ts";
import type { ApiTarget } from "./target.ts";

const ErrorAnswer = z.object({
  error_code: z.string(),
  message: z.string(),
  details: z.unknown().optional(),
});

const RETRYABLE_STATUSES = new Set([429, 502, 503, 504]);
const MAX_BACKOFF_SECONDS = 10;

export type Query = Record<string, string | number | undefined>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  /** Tries in all for a retryable failure; Infinity keeps trying (a follower). */
  attempts?: number;
  /** Answer 3xx as they are instead of following them. */
  manualRedirect?: boolean;
}

export interface RetryNotice {
  reason: string;
  waitSeconds: number;
}

export class ApiClient {
  constructor(
    private readonly target: ApiTarget,
    private readonly onRetry: (notice: RetryNotice) => void = () => undefined,
  ) {}

  url(path: string, query: Query = {}): string {
    const url = new URL(`${this.target.baseUrl}${path}`);
    for (const [name, value] of Object.entries(query)) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    return url.toString();
  }

  /** Sends one request (retrying what may be retried) and returns a non-error answer. */
  async send(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    const attempts = options.attempts ?? (method === "GET" ? 3 : 1);
    for (let attempt = 1; ; attempt += 1) {
      let failure: ApiError | NetworkError;
      try {
        const response = await this.once(method, path, options);
        if (response.status < 400) return response;
        const answer = await apiErrorOf(response);
        answer.request = { method, path };
        failure = answer;
      } catch (error) {
        if (!(error instanceof NetworkError)) throw error;
        failure = error;
      }
      // A 429 is refused before anything runs, so even a write may be sent again.
      const retryable =
        failure instanceof NetworkError
          ? method === "GET"
          : RETRYABLE_STATUSES.has(failure.status) && (method === "GET" || failure.status === 429);
      if (!retryable || attempt >= attempts) throw failure;
      const backoff = Math.min(MAX_BACKOFF_SECONDS, 2 ** (attempt - 1));
      const waitSeconds =
        failure instanceof ApiError && failure.retryAfterSeconds !== undefined
          ? Math.min(MAX_BACKOFF_SECONDS, failure.retryAfterSeconds)
          : backoff;
      this.onRetry({ reason: describeFailure(failure), waitSeconds });
      await sleep(waitSeconds * 1000);
    }
  }

  /** Sends a request and parses its JSON answer with `schema`. */
  async json<S extends z.ZodType>(
    schema: S,
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<{ raw: unknown; parsed: z.output<S> }> {
    const response = await this.send(method, path, options);
    const raw: unknown = await response.json();
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      throw new ApiError(
        response.status,
        "UNEXPECTED_ANSWER",
        `${method} ${path} answered in a shape this tool does not know: ${parsed.error.issues[0]?.message ?? "invalid"}.`,
        undefined,
      );
    }
    return { raw, parsed: parsed.data };
  }

  private async once(method: string, path: string, options: RequestOptions): Promise<Response> {
    const headers: Record<string, string> = { "X-API-Key": this.target.apiKey };
    if (options.body !== undefined) headers["Content-Type"] = "application/json";
    try {
      return await fetch(this.url(path, options.query), {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        redirect: options.manualRedirect ? "manual" : "follow",
      });
    } catch (error) {
      throw new NetworkError(`Could not reach ${this.target.baseUrl}: ${causeOf(error)}.`);
    }
  }
}

async function apiErrorOf(response: Response): Promise<ApiError> {
  const retryAfter = Number(response.headers.get("retry-after") ?? Number.NaN);
  const retryAfterSeconds = Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter : undefined;
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const parsed = ErrorAnswer.safeParse(body);
  if (parsed.success) {
    const error = new ApiError(
      response.status,
      parsed.data.error_code,
      parsed.data.message,
      retryAfterSeconds,
    );
    error.details = parsed.data.details;
    return error;
  }
  return new ApiError(
    response.status,
    `HTTP_${response.status}`,
    `The API answered ${response.status} ${response.statusText}.`,
    retryAfterSeconds,
  );
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

function describeFailure(failure: ApiError | NetworkError): string {
  return failure instanceof ApiError ? `${failure.code}: ${failure.message}` : failure.message;
}

/** A session id or workspace path as URL path segments (slashes kept). */
export function pathSegments(value: string): string {
  return value.split("/").map(encodeURIComponent).join("/");
}
