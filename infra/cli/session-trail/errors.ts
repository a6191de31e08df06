/** What the command line can fail with, and the exit code each maps to. */

export const EXIT = { ok: 0, failure: 1, usage: 2, interrupted: 130 } as const;

/** The arguments or the configuration are wrong: exit 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** The API answered with an error body: exit 1, stderr names the error_code. */
export class ApiError extends Error {
  override name = "ApiError";
  /** The error body's `details`, and the request it answered, when known. */
  details: unknown = undefined;
  request: { method: string; path: string } | undefined = undefined;
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryAfterSeconds: number | undefined,
  ) {
    super(message);
  }
}

/** The API could not be reached (refused, reset, timed out, DNS): exit 1. */
export class NetworkError extends Error {
  override name = "NetworkError";
}
