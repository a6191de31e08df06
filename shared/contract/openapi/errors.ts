/**
 * The document's error answers: what each code means with an example
 * message, which statuses a route can answer with which codes (its own,
 * every route's, the gateway's), and the response that describes them.
 */
import type { ZodOpenApiResponseObject } from "zod-openapi";
import { type ErrorCode, STATUS_BY_CODE } from "#shared/domain/errors.ts";
import type { RouteDefinition } from "../route-definition.ts";
import { COMMON_ERRORS, ErrorBody } from "../routes.ts";

/** What each code means to a caller, and a message it could come with. */
export const ERROR_EXAMPLES: Readonly<Record<ErrorCode, { meaning: string; message: string }>> = {
  VALIDATION_ERROR: {
    meaning: "a parameter, header or body field is invalid; `details.fields` names each one",
    message: "Invalid body: user_id: Required.",
  },
  UNAUTHORIZED: {
    meaning: "the X-API-Key header is missing, or the key is unknown or revoked",
    message: "Send a valid API key in the X-API-Key header.",
  },
  FORBIDDEN: {
    meaning: "the key's role may not call this route",
    message: "This key's role may not call this route.",
  },
  SESSION_USER_MISMATCH: {
    meaning: "user_id is not the session's user",
    message: "user_id does not match the session's user.",
  },
  NOT_FOUND: {
    meaning: "no such session in the key's tenant (or no such route)",
    message: "Session was not found.",
  },
  ACTIVE_SESSION_EXISTS: {
    meaning: "the user already has an open session; `details.active_session_id` names it",
    message: "User user-42 already has an open session.",
  },
  SESSION_ALREADY_ENDED: {
    meaning:
      "the session is expired, or ended where the operation needs an open one (an ended session still takes appends until it expires)",
    message: "The session has already ended.",
  },
  INVALID_TRANSITION: {
    meaning: "the session's status does not allow this change (pausing a paused session, …)",
    message: "A paused session cannot be paused.",
  },
  PAYLOAD_TOO_LARGE: {
    meaning:
      "the body, a message or event_data is above its limit, or an upload's size_bytes is above the upload limit",
    message: "The request body is larger than 1048576 bytes.",
  },
  UNSUPPORTED_MEDIA_TYPE: {
    meaning: "the body is not sent as application/json",
    message: "Send the body as JSON with Content-Type: application/json.",
  },
  IDEMPOTENCY_KEY_REUSED: {
    meaning: "the Idempotency-Key was used within 24 h with another body",
    message: "This Idempotency-Key was used with a different body.",
  },
  PRECONDITION_FAILED: {
    meaning:
      "If-Match named a version the session no longer has; `details.current_version` is the version now (read it again, then retry)",
    message: "The session changed since the version in If-Match; read it again and retry.",
  },
  RATE_LIMITED: {
    meaning: "too many requests for this key; wait the seconds in Retry-After",
    message: "Too many requests for this API key; slow down.",
  },
  INTERNAL: {
    meaning: "an unexpected failure; `details.request_id` identifies it",
    message: "An internal error occurred. Retry later or contact support.",
  },
  UNAVAILABLE: {
    meaning: "a dependency is unavailable or throttled; retry after Retry-After",
    message: "The service is temporarily unavailable. Retry shortly.",
  },
};

/** Errors only an API key check can produce; public routes never answer them. */
const KEY_ERRORS: readonly ErrorCode[] = ["UNAUTHORIZED", "FORBIDDEN"];

/** Statuses the gateway answers with itself (function failure, integration timeout). */
const GATEWAY_ERRORS: readonly { status: number; code: ErrorCode; meaning: string }[] = [
  { status: 502, code: "INTERNAL", meaning: "the function failed before it could answer" },
  { status: 504, code: "UNAVAILABLE", meaning: "the function did not answer in time" },
];

/** Statuses whose answer may tell the caller when to retry. */
const RETRY_STATUSES = new Set([429, 503, 504]);

/** Every error status a route can answer, with the codes behind each. */
export function errorStatusesOf(route: RouteDefinition): Map<number, ErrorCode[]> {
  const common =
    route.roles === "public"
      ? COMMON_ERRORS.filter((code) => !KEY_ERRORS.includes(code))
      : COMMON_ERRORS;
  const byStatus = new Map<number, ErrorCode[]>();
  const add = (status: number, code: ErrorCode) => {
    const codes = byStatus.get(status) ?? [];
    if (!codes.includes(code)) codes.push(code);
    byStatus.set(status, codes);
  };
  for (const code of [...route.errors, ...common]) add(STATUS_BY_CODE[code], code);
  for (const { status, code } of GATEWAY_ERRORS) add(status, code);
  return new Map([...byStatus].sort(([a], [b]) => a - b));
}

export const errorExampleId = (code: ErrorCode) => `Error${code}`;
export const RETRY_AFTER_HEADER = "RetryAfter";

export function errorResponse(
  status: number,
  codes: readonly ErrorCode[],
): ZodOpenApiResponseObject {
  const meaning = (code: ErrorCode) =>
    GATEWAY_ERRORS.find((entry) => entry.status === status && entry.code === code)?.meaning ??
    ERROR_EXAMPLES[code].meaning;
  const response: ZodOpenApiResponseObject = {
    description: codes.map((code) => `\`${code}\`: ${meaning(code)}.`).join(" "),
    content: {
      "application/json": {
        schema: ErrorBody,
        examples: Object.fromEntries(
          codes.map((code) => [code, { $ref: `#/components/examples/${errorExampleId(code)}` }]),
        ),
      },
    },
  };
  if (RETRY_STATUSES.has(status)) {
    response.headers = {
      "Idempotent-Replayed": {
        description:
          "`true` when this is the first answer replayed for the same Idempotency-Key and body; absent otherwise.",
        required: false,
        schema: { type: "string", enum: ["true"] },
      },
      "Retry-After": { $ref: `#/components/headers/${RETRY_AFTER_HEADER}` },
    };
  }
  return response;
}
