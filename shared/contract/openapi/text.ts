/**
 * The document's prose: the API's description, its tags and which paths
 * each covers, the API key scheme and the response headers' descriptions.
 */
import type { oas31 } from "zod-openapi";

export const API_KEY_SCHEME = "ApiKey";
export const API_KEY_HEADER = "X-API-Key";

export const RESPONSE_HEADERS: Readonly<Record<string, oas31.HeaderObject>> = {
  Location: {
    description:
      "Where the resource is: the new session's URL, or the presigned URL to follow for a redirect.",
    required: true,
    schema: { type: "string" },
  },
  "Idempotent-Replayed": {
    description:
      "`true` when this is the first answer replayed for the same Idempotency-Key and body; absent otherwise.",
    required: false,
    schema: { type: "string", enum: ["true"] },
  },
  "Content-Security-Policy": {
    description:
      "Same-origin only: no inline script or style but the page's own (by hash), no other origin.",
    required: true,
    schema: { type: "string" },
  },
  ETag: {
    description:
      "The session's version as a strong entity tag (\"3\"): it changes with every change of the session's own fields (start, pause, resume, end, expiry, update), not with appends. Send it in If-Match to update only that version.",
    required: true,
    schema: { type: "string", pattern: '^"[0-9]+"$' },
  },
  "Retry-After": {
    description: "Seconds to wait before retrying.",
    required: true,
    schema: { type: "string", pattern: "^[0-9]+$" },
  },
};

export const DESCRIPTION = `Sessions, time-ordered events and per-session workspaces.

**Authentication.** Every route except \`/health\`, \`/openapi.json\` and \`/viewer\` needs an API key in the \`${API_KEY_HEADER}\` header. A missing, unknown or revoked key is answered with 401 \`UNAUTHORIZED\`. Each key has one role: \`app\` (apps and processing workers), \`support\` (read-only) or \`admin\` (everything in its tenant); a role that may not call a route gets 403 \`FORBIDDEN\`. Each operation lists the roles it accepts in \`x-required-roles\`.

**Tenants.** A key belongs to exactly one tenant and sees only that tenant's data. Another tenant's session is answered exactly like one that does not exist: 404 \`NOT_FOUND\`. A key of scope \`own\` sees only the sessions it started; every other session is answered the same way.

**Errors.** Every error, including those the gateway produces, has the body \`{"error_code": "...", "message": "...", "details": {}}\`. Each response lists the codes it can carry; 429 and 503 come with \`Retry-After\`.

**Polling without loss.** Read \`GET /sessions/{id}/events?after={seq of the last item received}&order=asc\` repeatedly. Seqs are assigned in commit order without gaps, so each poll returns exactly the events committed since the previous one, in order.

**Idempotency.** \`POST /sessions\` accepts an \`Idempotency-Key\` header: the same key with the same body within 24 h replays the first answer; the same key with another body is 422 \`IDEMPOTENCY_KEY_REUSED\`.

**Timestamps** are ISO 8601 UTC with milliseconds and \`Z\`, always set by the server.

**Rules the schemas cannot state.** A request that passes every schema here is still refused with 400 when: an operation that takes query parameters gets one it does not list (operations without query parameters ignore the query string); a transition body's \`session_id\` is not the path's session; \`cursor\` is not a \`next_cursor\` this API issued for the same filters, tenant and key scope; a workspace path is longer in UTF-8 bytes than its \`x-max-utf8-bytes\` / \`x-max-segment-utf8-bytes\` or not NFC-normalised; a JSON body holds a \`__proto__\` member, is not valid UTF-8, or holds a number literal a double would change (an integer beyond ±9007199254740991, or a literal with a non-zero digit that becomes 0, such as \`1e-400\`); an \`event_data\` number is outside what DynamoDB stores (see \`event_data\`); an update would leave the session more than 20 labels. Query values are sent as text: an integer parameter takes an optional sign and decimal digits.`;

export const TAGS: readonly (oas31.TagObject & { matches: (path: string) => boolean })[] = [
  {
    name: "Events",
    description: "Appending and reading a session's events.",
    matches: (path) => /^\/sessions\/\{id\}\/events$/.test(path),
  },
  {
    name: "Workspaces",
    description: "A session's files: uploads, downloads and the investigate summary.",
    matches: (path) => /^\/sessions\/\{id\}\/(uploads|files|investigate)(\/|$)/.test(path),
  },
  {
    name: "Sessions",
    description: "Starting, reading and closing sessions.",
    matches: (path) => path.startsWith("/sessions"),
  },
  {
    name: "Service",
    description: "Health, statistics, the viewer page and this document.",
    matches: () => true,
  },
];

export function tagOf(path: string): string {
  return TAGS.find((tag) => tag.matches(path))?.name ?? "Service";
}
