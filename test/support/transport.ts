/**
 * The suites' transport: fetch, with the one retry a real HTTP client makes.
 * A kept-alive connection can be closed by the server just as the next
 * request goes out on it (the request never reached a handler); clients
 * such as the AWS SDK and browsers send such a request again when it is
 * idempotent, and so does this. Anything else fails at once, with the
 * underlying cause named so a failure says why.
 */

/** Codes of a connection that dropped, as Node and undici name them. */
const DROPPED = new Set(["ECONNRESET", "EPIPE", "UND_ERR_SOCKET", "UND_ERR_CLOSED"]);
const IDEMPOTENT = new Set(["GET", "HEAD", "PUT", "DELETE", "OPTIONS"]);

function causeOf(error: unknown): { code?: string; message?: string } | undefined {
  if (!(error instanceof Error) || typeof error.cause !== "object" || error.cause === null) {
    return undefined;
  }
  const cause = error.cause as { code?: unknown; message?: unknown };
  return {
    ...(typeof cause.code === "string" ? { code: cause.code } : {}),
    ...(typeof cause.message === "string" ? { message: cause.message } : {}),
  };
}

/** "fetch failed (ECONNRESET: read ECONNRESET)": the error with its cause. */
export function describeTransportError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const cause = causeOf(error);
  const own = (error as { code?: unknown } | null)?.code;
  const parts = cause
    ? [cause.code, cause.message].filter(Boolean)
    : typeof own === "string" && !message.includes(own)
      ? [own]
      : [];
  return parts.length ? `${message} (${parts.join(": ")})` : message;
}

/** The same failure, naming the request, with the underlying cause kept for the description. */
function named(prefix: string, error: unknown): Error {
  const message = error instanceof Error ? error.message : String(error);
  return new Error(`${prefix}: ${message}`, {
    cause: error instanceof Error ? error.cause : undefined,
  });
}

function mayResend(method: string, headers: Record<string, string>): boolean {
  if (IDEMPOTENT.has(method.toUpperCase())) return true;
  return Object.keys(headers).some((name) => name.toLowerCase() === "idempotency-key");
}

/** fetch, sent once more when an idempotent request's connection dropped. */
export async function fetchResending(
  url: string,
  init: RequestInit & { method: string; headers: Record<string, string> },
): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (error) {
    const code = causeOf(error)?.code;
    if (!code || !DROPPED.has(code) || !mayResend(init.method, init.headers)) {
      throw named(`${init.method} ${url}`, error);
    }
  }
  try {
    return await fetch(url, init);
  } catch (error) {
    throw named(`${init.method} ${url} (sent twice)`, error);
  }
}
