/**
 * The OpenAPI 3.1 document, derived from the route table and the zod schemas
 * the handlers validate with. Nothing here lists a route, a field or an error
 * code a second time: a new route in ROUTES appears in the document as it is.
 */
import * as z from "zod";
import {
  createDocument,
  type oas31,
  type ZodOpenApiOperationObject,
  type ZodOpenApiPathsObject,
  type ZodOpenApiResponseObject,
  type ZodOpenApiResponsesObject,
} from "zod-openapi";
import { readConfig } from "#shared/config.ts";
import { type ErrorCode, STATUS_BY_CODE } from "#shared/domain/errors.ts";
import packageJson from "../../package.json" with { type: "json" };
import { COMMON_ERRORS, ErrorBody, ROUTES, type RouteDefinition, STAGE } from "./routes.ts";

export const API_KEY_SCHEME = "ApiKey";
const API_KEY_HEADER = "X-API-Key";

/** What each code means to a caller, and a message it could come with. */
const ERROR_EXAMPLES: Readonly<Record<ErrorCode, { meaning: string; message: string }>> = {
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

const RESPONSE_HEADERS: Readonly<Record<string, oas31.HeaderObject>> = {
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

const DESCRIPTION = `Sessions, time-ordered events and per-session workspaces.

**Authentication.** Every route except \`/health\`, \`/openapi.json\` and \`/viewer\` needs an API key in the \`${API_KEY_HEADER}\` header. A missing, unknown or revoked key is answered with 401 \`UNAUTHORIZED\`. Each key has one role: \`app\` (apps and processing workers), \`support\` (read-only) or \`admin\` (everything in its tenant); a role that may not call a route gets 403 \`FORBIDDEN\`. Each operation lists the roles it accepts in \`x-required-roles\`.

**Tenants.** A key belongs to exactly one tenant and sees only that tenant's data. Another tenant's session is answered exactly like one that does not exist: 404 \`NOT_FOUND\`. A key of scope \`own\` sees only the sessions it started; every other session is answered the same way.

**Errors.** Every error, including those the gateway produces, has the body \`{"error_code": "...", "message": "...", "details": {}}\`. Each response lists the codes it can carry; 429 and 503 come with \`Retry-After\`.

**Polling without loss.** Read \`GET /sessions/{id}/events?after={seq of the last item received}&order=asc\` repeatedly. Seqs are assigned in commit order without gaps, so each poll returns exactly the events committed since the previous one, in order.

**Idempotency.** \`POST /sessions\` accepts an \`Idempotency-Key\` header: the same key with the same body within 24 h replays the first answer; the same key with another body is 422 \`IDEMPOTENCY_KEY_REUSED\`.

**Timestamps** are ISO 8601 UTC with milliseconds and \`Z\`, always set by the server.

**Rules the schemas cannot state.** A request that passes every schema here is still refused with 400 when: an operation that takes query parameters gets one it does not list (operations without query parameters ignore the query string); a transition body's \`session_id\` is not the path's session; \`cursor\` is not a \`next_cursor\` this API issued for the same filters, tenant and key scope; a workspace path is longer in UTF-8 bytes than its \`x-max-utf8-bytes\` / \`x-max-segment-utf8-bytes\` or not NFC-normalised; a JSON body holds a \`__proto__\` member, is not valid UTF-8, or holds a number literal a double would change (an integer beyond ±9007199254740991, or a literal with a non-zero digit that becomes 0, such as \`1e-400\`); an \`event_data\` number is outside what DynamoDB stores (see \`event_data\`); an update would leave the session more than 20 labels. Query values are sent as text: an integer parameter takes an optional sign and decimal digits.`;

const TAGS: readonly (oas31.TagObject & { matches: (path: string) => boolean })[] = [
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

function tagOf(path: string): string {
  return TAGS.find((tag) => tag.matches(path))?.name ?? "Service";
}

/** API Gateway's greedy `{path+}` is a plain `{path}` parameter in OpenAPI. */
export function openApiPath(resourcePath: string): string {
  return resourcePath.replace(/\{(\w+)\+\}/g, "{$1}");
}

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

function exampleOf(schema: z.ZodType): unknown {
  return schema.meta()?.example;
}

function jsonContent(schema: z.ZodType, example: unknown = exampleOf(schema)) {
  return {
    "application/json": example === undefined ? { schema } : { schema, example },
  };
}

const errorExampleId = (code: ErrorCode) => `Error${code}`;
const RETRY_AFTER_HEADER = "RetryAfter";

function errorResponse(status: number, codes: readonly ErrorCode[]): ZodOpenApiResponseObject {
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

function successResponse(
  status: number,
  success: RouteDefinition["responses"][number],
  errorCodes: readonly ErrorCode[] | undefined,
): ZodOpenApiResponseObject {
  const response: ZodOpenApiResponseObject = { description: success.description };
  if (success.headers?.length) {
    response.headers = Object.fromEntries(
      success.headers.map((name) => [
        name,
        RESPONSE_HEADERS[name] ?? { description: name, required: true, schema: { type: "string" } },
      ]),
    );
  }
  if (success.contentType) {
    response.content = { [success.contentType]: { schema: { type: "string" } } };
    return response;
  }
  if (!success.schema) return response;
  if (!errorCodes) {
    response.content = jsonContent(success.schema);
    return response;
  }
  // The status is also an error status: either body may come back.
  const error = errorResponse(status, errorCodes);
  const successExample = exampleOf(success.schema);
  response.description = `${success.description} Or an error: ${error.description}`;
  response.headers ??= error.headers;
  response.content = {
    "application/json": {
      schema: z.union([success.schema, ErrorBody]),
      examples: {
        ...(successExample === undefined ? {} : { success: { value: successExample } }),
        ...error.content?.["application/json"]?.examples,
      },
    },
  };
  return response;
}

function responsesOf(route: RouteDefinition): ZodOpenApiResponsesObject {
  const errors = errorStatusesOf(route);
  const responses: ZodOpenApiResponsesObject = {};
  for (const [status, success] of Object.entries(route.responses)) {
    responses[`${Number(status)}` as `2${string}`] = successResponse(
      Number(status),
      success,
      errors.get(Number(status)),
    );
  }
  for (const [status, codes] of errors) {
    const key = `${status}` as `4${string}`;
    if (!(key in responses)) responses[key] = errorResponse(status, codes);
  }
  return responses;
}

function requestParamsOf(route: RouteDefinition): ZodOpenApiOperationObject["requestParams"] {
  const { params, query } = route.request ?? {};
  if (!params && !query) return undefined;
  return {
    ...(params ? { path: asObject(params, route, "params") } : {}),
    ...(query ? { query: asObject(query, route, "query") } : {}),
  };
}

function asObject(schema: z.ZodType, route: RouteDefinition, part: string): z.ZodObject {
  if (schema instanceof z.ZodObject) return schema;
  throw new Error(`${route.method} ${route.path}: request.${part} must be a zod object schema.`);
}

function operationOf(route: RouteDefinition): ZodOpenApiOperationObject {
  const isPublic = route.roles === "public";
  const roles = isPublic ? [] : [...route.roles];
  const operation: ZodOpenApiOperationObject = {
    operationId: route.operationId,
    summary: route.summary,
    description: isPublic
      ? "Public: no API key needed."
      : `Roles: ${roles.join(", ")}. Other roles get 403 FORBIDDEN.`,
    tags: [tagOf(route.path)],
    security: isPublic ? [] : [{ [API_KEY_SCHEME]: [] }],
    "x-required-roles": roles,
    responses: responsesOf(route),
  };
  const greedy = [...route.path.matchAll(/\{(\w+)\+\}/g)].map((match) => `\`${match[1]}\``);
  if (greedy.length) {
    operation.description += ` ${greedy.join(", ")} may span several segments: send its slashes as they are or percent-encoded as %2F, which the server reads alike.`;
  }
  const requestParams = requestParamsOf(route);
  if (requestParams) operation.requestParams = requestParams;
  const headers = Object.entries(route.request?.headers ?? {});
  if (headers.length) {
    operation.parameters = headers.map(([name, header]) => ({
      name,
      in: "header",
      description: header.description,
      required: header.required,
      schema: {
        type: "string",
        pattern: header.pattern.source,
        minLength: 1,
        maxLength: header.maxLength,
      },
    }));
  }
  if (route.request?.body) {
    const content = jsonContent(route.request.body);
    operation.requestBody = {
      required: true,
      // The edge reads a PATCH body sent as a JSON merge patch (RFC 7396) as JSON.
      content:
        route.method === "PATCH"
          ? { ...content, "application/merge-patch+json": content["application/json"] }
          : content,
    };
  }
  return operation;
}

export function buildOpenApiDocument(): oas31.OpenAPIObject {
  const routes: readonly RouteDefinition[] = ROUTES;
  const paths: ZodOpenApiPathsObject = {};
  for (const route of routes) {
    const path = openApiPath(route.path);
    const method = route.method.toLowerCase() as Lowercase<RouteDefinition["method"]>;
    const item = paths[path] ?? {};
    if (item[method]) throw new Error(`Two routes for ${route.method} ${route.path}.`);
    item[method] = operationOf(route);
    paths[path] = item;
  }
  const document = createDocument({
    openapi: "3.1.0",
    info: {
      title: "Session Trail API",
      version: packageJson.version,
      description: DESCRIPTION,
      license: { name: "Proprietary (UNLICENSED)", identifier: "LicenseRef-Proprietary" },
      contact: {
        name: "Session Trail maintainers",
        url: "https://github.com/session-trail/session-trail/issues",
      },
    },
    servers: [
      {
        url: `/${STAGE}`,
        description: `Stage ${STAGE}, relative to the API's host (https://{api}.execute-api.{region}.amazonaws.com, or http://127.0.0.1:3000 for npm start).`,
      },
    ],
    security: [{ [API_KEY_SCHEME]: [] }],
    tags: TAGS.map(({ name, description }) => ({ name, description })),
    paths,
    components: {
      securitySchemes: {
        [API_KEY_SCHEME]: {
          type: "apiKey",
          in: "header",
          name: API_KEY_HEADER,
          description:
            "A tenant's API key with one role (app, support or admin), shown once when created with `npm run keys -- create`.",
        },
      },
      headers: {
        [RETRY_AFTER_HEADER]: { ...RESPONSE_HEADERS["Retry-After"], required: false },
      },
      examples: Object.fromEntries(
        Object.entries(ERROR_EXAMPLES).map(([code, { meaning, message }]) => [
          errorExampleId(code as ErrorCode),
          { summary: meaning, value: { error_code: code, message, details: {} } },
        ]),
      ),
    },
  });
  limitUploadSize(document);
  return document;
}

/** The upload limit is the deployment's setting, so the document reads it when built. */
function limitUploadSize(document: oas31.OpenAPIObject): void {
  const upload = document.components?.schemas?.CreateUploadRequest;
  const size = upload && "properties" in upload ? upload.properties?.size_bytes : undefined;
  if (!size || "$ref" in size) {
    throw new Error("CreateUploadRequest.size_bytes is not in the document.");
  }
  // Read, not cached: the document may be built before the process's settings are complete.
  size.maximum = readConfig().MAX_UPLOAD_BYTES;
}
