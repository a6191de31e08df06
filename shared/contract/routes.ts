/**
 * The route table: written once, read by the CDK stack, the local gateway,
 * the authorizer's policy and the OpenAPI document. It holds data and zod
 * schemas only (no CDK import), so functions may read it too.
 */
import type * as z from "zod";
import {
  allowedResources as allowedRouteResources,
  mayCall as mayCallRoute,
  type RouteAccess,
} from "#shared/contract/route-access.ts";
import { ErrorBody, SessionPathParams } from "#shared/contract/schemas/common.ts";
import {
  AppendEventsBody,
  AppendEventsResult,
  EventPage,
  EventsQuery,
} from "#shared/contract/schemas/events.ts";
import { HealthReport } from "#shared/contract/schemas/health.ts";
import {
  InvestigateQuery,
  SessionInvestigationResponse,
} from "#shared/contract/schemas/investigate.ts";
import { OpenApiDocumentBody } from "#shared/contract/schemas/openapi.ts";
import {
  EndSessionBody,
  IDEMPOTENCY_KEY_PATTERN,
  IF_MATCH_PATTERN,
  ListSessionsQuery,
  MAX_IDEMPOTENCY_KEY_LENGTH,
  MAX_IF_MATCH_LENGTH,
  Session,
  SessionList,
  SessionUpdate,
  SessionWithEvent,
  StartSessionBody,
  TransitionBody,
  UpdateSessionBody,
} from "#shared/contract/schemas/sessions.ts";
import { SessionStatistics, Statistics } from "#shared/contract/schemas/statistics.ts";
import {
  CreateUploadBody,
  DownloadLink,
  FilePathParams,
  FileQuery,
  UploadTicket,
} from "#shared/contract/schemas/workspaces.ts";
import type { ErrorCode } from "#shared/domain/errors.ts";
import type { Role } from "#shared/domain/principal.ts";

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/**
 * Table actions, by the DynamoDB API call they allow. A TransactWriteItems is
 * authorized by the item actions inside it (put, update, delete), so a
 * function that writes transactions declares those.
 */
export const TABLE_ACTIONS = [
  "get",
  "batchGet",
  "query",
  "put",
  "update",
  "delete",
  "batchWrite",
  "describe",
] as const;
export type TableAction = (typeof TABLE_ACTIONS)[number];

/**
 * Bucket actions, on workspace objects (`workspaces/*`). `list` is
 * ListObjectsV2 and HeadBucket, and lets a read of a missing object answer
 * 404 rather than 403.
 */
export const BUCKET_ACTIONS = ["get", "put", "delete", "list"] as const;
export type BucketAction = (typeof BUCKET_ACTIONS)[number];

/** What a function may do to the table and the bucket; the stack grants exactly this. */
export interface FunctionAccess {
  table: readonly TableAction[];
  bucket: readonly BucketAction[];
}

export interface FunctionDefinition {
  description: string;
  /** An EventBridge schedule expression for functions run on a timer rather than a route. */
  schedule?: string;
  access: FunctionAccess;
  /** Memory in MiB; 512 unless a function needs more. */
  memoryMiB?: number;
  timeoutSeconds?: number;
  /** Files under the function's folder that it reads at run time; the bundle carries them. */
  assets?: readonly string[];
}

/**
 * A function's timeout unless its definition says otherwise: above the
 * storage budget of an invocation (AWS_REQUEST_TIMEOUT_MS × SDK attempts,
 * 9 s by default) plus the margin to answer, so a hung dependency gets the
 * service's 503 rather than a function timeout; below API Gateway's 29 s
 * integration timeout.
 */
export const DEFAULT_TIMEOUT_SECONDS = 12;
/** API Gateway's integration timeout for REST APIs. */
export const INTEGRATION_TIMEOUT_SECONDS = 29;

/** Every Lambda function, by folder name under `functions/`. */
export const FUNCTIONS = {
  authorizer: {
    description: "REQUEST authorizer: X-API-Key to tenant, key id and role",
    access: { table: ["get"], bucket: [] },
  },
  "start-session": {
    description: "Start a session (one open session per user)",
    access: { table: ["get", "put", "update", "delete"], bucket: [] },
  },
  "list-sessions": {
    description: "List the tenant's sessions",
    access: { table: ["query"], bucket: [] },
  },
  "get-session": { description: "Read one session", access: { table: ["get"], bucket: [] } },
  "transition-session": {
    description: "Pause, resume or end a session",
    access: { table: ["get", "put", "update", "delete"], bucket: [] },
  },
  "delete-session": {
    description: "Delete a session, its events and its workspace",
    access: {
      table: ["get", "query", "update", "delete", "batchWrite"],
      bucket: ["list", "delete"],
    },
  },
  "update-session": {
    description: "Merge-patch a session's notes and labels (If-Match for optimistic concurrency)",
    access: { table: ["get", "put", "update", "delete"], bucket: [] },
  },
  "append-events": {
    description: "Append 1..99 events to a session in one transaction",
    // Deletes only the lock of an overdue session it closes as the expiry job would.
    access: { table: ["get", "put", "update", "delete"], bucket: [] },
  },
  "query-events": {
    description: "Read a session's events (polling, filters, counts)",
    access: { table: ["get", "query"], bucket: [] },
  },
  "create-upload": {
    description: "Presigned PUT for a workspace file",
    access: { table: ["get"], bucket: ["put"] },
  },
  "get-file": {
    description: "Presigned GET (307) for a workspace file",
    access: { table: ["get"], bucket: ["get", "list"] },
  },
  investigate: {
    description: "Diagnostic summary of a session and its workspace",
    // Puts only its log-count cache items, in the session's partition.
    access: { table: ["get", "put"], bucket: ["get", "list"] },
  },
  expire: {
    description: "Scheduled: close open sessions whose expires_at has passed",
    access: { table: ["get", "query", "put", "update", "delete"], bucket: [] },
    schedule: "rate(1 minute)",
    timeoutSeconds: 60,
  },
  "session-statistics": {
    description: "One session's counts and times, from its counters",
    access: { table: ["get"], bucket: [] },
  },
  statistics: {
    description: "Session counts by status for the tenant",
    access: { table: ["batchGet", "query"], bucket: [] },
  },
  health: {
    description: "Dependency check",
    access: { table: ["describe"], bucket: ["list"] },
  },
  openapi: {
    description: "The OpenAPI 3.1 document, built from this table",
    access: { table: [], bucket: [] },
  },
  viewer: {
    description: "The session viewer page; it calls the API from the browser with the user's key",
    access: { table: [], bucket: [] },
    assets: ["assets/viewer.js", "assets/viewer.css"],
  },
} as const satisfies Record<string, FunctionDefinition>;

export type FunctionName = keyof typeof FUNCTIONS;

export interface RouteDefinition {
  method: HttpMethod;
  /** API Gateway resource path; `{id}` and greedy `{path+}` parameters. */
  path: string;
  function: FunctionName;
  /** Roles that may call it; `public` routes need no key. */
  roles: readonly Role[] | "public";
  operationId: string;
  summary: string;
  request?: {
    params?: z.ZodType;
    query?: z.ZodType;
    body?: z.ZodType;
    /** Request headers the route reads, each with the text it accepts. */
    headers?: Record<
      string,
      { description: string; required: boolean; pattern: RegExp; maxLength: number }
    >;
  };
  /** Success answers: status to body schema (undefined for an empty body). */
  responses: Record<
    number,
    {
      description: string;
      schema?: z.ZodType;
      headers?: string[];
      /** The body is a page rather than JSON (`schema` is then absent). */
      contentType?: "text/html";
    }
  >;
  /** Error codes this route can answer besides the ones every route can. */
  errors: readonly ErrorCode[];
}

const WRITERS: readonly Role[] = ["app", "admin"];
const ANY: readonly Role[] = ["app", "support", "admin"];

export const ROUTES = [
  {
    method: "POST",
    path: "/sessions",
    function: "start-session",
    roles: WRITERS,
    operationId: "startSession",
    summary: "Start a session; a user has at most one open session.",
    request: {
      body: StartSessionBody,
      headers: {
        "Idempotency-Key": {
          description:
            "Replays the first answer for the same key and body within 24 h (with Idempotent-Replayed: true); the same key with another body is 422. An empty value counts as no key.",
          required: false,
          pattern: IDEMPOTENCY_KEY_PATTERN,
          maxLength: MAX_IDEMPOTENCY_KEY_LENGTH,
        },
      },
    },
    responses: {
      201: {
        description: "Started, or the first answer replayed for the same Idempotency-Key.",
        schema: SessionWithEvent,
        headers: ["Location", "Idempotent-Replayed"],
      },
    },
    errors: ["VALIDATION_ERROR", "ACTIVE_SESSION_EXISTS", "IDEMPOTENCY_KEY_REUSED"],
  },
  {
    method: "GET",
    path: "/sessions",
    function: "list-sessions",
    roles: ANY,
    operationId: "listSessions",
    summary: "List the tenant's sessions, newest first.",
    request: { query: ListSessionsQuery },
    responses: { 200: { description: "A page of sessions.", schema: SessionList } },
    errors: ["VALIDATION_ERROR"],
  },
  {
    method: "GET",
    path: "/sessions/{id}",
    function: "get-session",
    roles: ANY,
    operationId: "getSession",
    summary: "Read one session.",
    request: { params: SessionPathParams },
    responses: {
      200: { description: "The session.", schema: Session, headers: ["ETag"] },
    },
    errors: ["NOT_FOUND"],
  },
  {
    method: "PATCH",
    path: "/sessions/{id}",
    function: "update-session",
    roles: WRITERS,
    operationId: "updateSession",
    summary:
      "Merge-patch (RFC 7396) session_notes and labels; with If-Match, only the session version named (else 412).",
    request: {
      params: SessionPathParams,
      body: UpdateSessionBody,
      headers: {
        "If-Match": {
          description:
            'The ETag of the version read ("3"), a list of tags, or *: answers 412 PRECONDITION_FAILED when the session has another version now (weak tags never match). Without it, or empty, the last writer wins.',
          required: false,
          pattern: IF_MATCH_PATTERN,
          maxLength: MAX_IF_MATCH_LENGTH,
        },
      },
    },
    responses: {
      200: { description: "Updated (or unchanged).", schema: SessionUpdate, headers: ["ETag"] },
    },
    errors: ["VALIDATION_ERROR", "NOT_FOUND", "PRECONDITION_FAILED"],
  },
  ...(["end", "pause", "resume"] as const).map(
    (action) =>
      ({
        method: "POST",
        path: `/sessions/{id}/${action}`,
        function: "transition-session",
        roles: WRITERS,
        operationId: `${action}Session`,
        summary: `${action[0]?.toUpperCase()}${action.slice(1)} a session.`,
        request: {
          params: SessionPathParams,
          body: action === "end" ? EndSessionBody : TransitionBody,
        },
        responses: { 200: { description: "Changed.", schema: SessionWithEvent } },
        errors: [
          "VALIDATION_ERROR",
          "NOT_FOUND",
          "SESSION_USER_MISMATCH",
          "SESSION_ALREADY_ENDED",
          "INVALID_TRANSITION",
        ],
      }) satisfies RouteDefinition,
  ),
  {
    method: "DELETE",
    path: "/sessions/{id}",
    function: "delete-session",
    roles: ["admin"],
    operationId: "deleteSession",
    summary: "Delete a session, its events and its workspace.",
    request: { params: SessionPathParams },
    responses: { 204: { description: "Deleted." } },
    errors: ["NOT_FOUND"],
  },
  {
    method: "GET",
    path: "/sessions/{id}/events",
    function: "query-events",
    roles: ANY,
    operationId: "listEvents",
    summary:
      "Read a session's events. Poll without loss with ?after={last seq seen}&order=asc; the cursor is the seq of the last item received.",
    request: { params: SessionPathParams, query: EventsQuery },
    responses: { 200: { description: "A page of events.", schema: EventPage } },
    errors: ["VALIDATION_ERROR", "NOT_FOUND"],
  },
  {
    method: "POST",
    path: "/sessions/{id}/events",
    function: "append-events",
    roles: WRITERS,
    operationId: "appendEvents",
    summary: "Append events; all commit together with consecutive seqs, or none do.",
    request: { params: SessionPathParams, body: AppendEventsBody },
    responses: { 201: { description: "Appended.", schema: AppendEventsResult } },
    errors: ["VALIDATION_ERROR", "NOT_FOUND", "SESSION_ALREADY_ENDED", "PAYLOAD_TOO_LARGE"],
  },
  {
    method: "POST",
    path: "/sessions/{id}/uploads",
    function: "create-upload",
    roles: WRITERS,
    operationId: "createUpload",
    summary: "Presigned PUT for one workspace file (input/, output/, logs/ or a status file).",
    request: { params: SessionPathParams, body: CreateUploadBody },
    responses: { 201: { description: "Upload to the returned URL.", schema: UploadTicket } },
    errors: ["VALIDATION_ERROR", "NOT_FOUND", "PAYLOAD_TOO_LARGE"],
  },
  {
    method: "GET",
    path: "/sessions/{id}/files/{path+}",
    function: "get-file",
    roles: ANY,
    operationId: "getWorkspaceFile",
    summary:
      "Redirect (307) to a presigned GET of one workspace file; with ?redirect=false, the presigned URL as JSON.",
    request: { params: FilePathParams, query: FileQuery },
    responses: {
      307: { description: "Download from the Location header.", headers: ["Location"] },
      200: { description: "The presigned URL (redirect=false).", schema: DownloadLink },
    },
    errors: ["VALIDATION_ERROR", "NOT_FOUND"],
  },
  {
    method: "GET",
    path: "/sessions/{id}/investigate",
    function: "investigate",
    roles: ANY,
    operationId: "investigateSession",
    summary: "Diagnostic summary of a session and its workspace: files, status, log tail, errors.",
    request: { params: SessionPathParams, query: InvestigateQuery },
    responses: {
      200: { description: "What happened to the session.", schema: SessionInvestigationResponse },
    },
    errors: ["VALIDATION_ERROR", "NOT_FOUND"],
  },
  {
    method: "GET",
    path: "/sessions/{id}/statistics",
    function: "session-statistics",
    roles: ANY,
    operationId: "getSessionStatistics",
    summary:
      "One session's event counts, first and last event time, time active and paused, and the last processing status seen (from counters, no event reads).",
    request: { params: SessionPathParams },
    responses: {
      200: { description: "The session's statistics.", schema: SessionStatistics },
    },
    errors: ["NOT_FOUND"],
  },
  {
    method: "GET",
    path: "/statistics",
    function: "statistics",
    roles: ["admin", "support"],
    operationId: "getStatistics",
    summary: "Session counts by status for the caller's tenant (kept as counters, no scan).",
    responses: { 200: { description: "Counts by status.", schema: Statistics } },
    errors: [],
  },
  {
    method: "GET",
    path: "/health",
    function: "health",
    roles: "public",
    operationId: "getHealth",
    summary: "Dependency check.",
    responses: {
      200: { description: "Healthy.", schema: HealthReport },
      503: { description: "A dependency is unreachable.", schema: HealthReport },
    },
    errors: [],
  },
  {
    method: "GET",
    path: "/viewer",
    function: "viewer",
    roles: "public",
    operationId: "getViewer",
    summary:
      "The session viewer: an HTML page, same origin as the API, that asks for an API key and keeps it in sessionStorage.",
    responses: {
      200: {
        description: "The page, with a strict Content-Security-Policy.",
        contentType: "text/html",
        headers: ["Content-Security-Policy"],
      },
    },
    errors: [],
  },
  {
    method: "GET",
    path: "/openapi.json",
    function: "openapi",
    roles: "public",
    operationId: "getOpenApiDocument",
    summary: "This API's OpenAPI 3.1 document, generated from the route table and its schemas.",
    responses: { 200: { description: "The document.", schema: OpenApiDocumentBody } },
    errors: [],
  },
] as const satisfies readonly RouteDefinition[];

export type Route = (typeof ROUTES)[number];

/** Errors any authenticated route can answer. */
export const COMMON_ERRORS: readonly ErrorCode[] = [
  "UNAUTHORIZED",
  "FORBIDDEN",
  "PAYLOAD_TOO_LARGE",
  "UNSUPPORTED_MEDIA_TYPE",
  "RATE_LIMITED",
  "INTERNAL",
  "UNAVAILABLE",
];

export const STAGE = "v1";

export { ErrorBody };

/** Whether `role` may call the route. */
export function mayCall(route: RouteDefinition, role: Role | undefined): boolean {
  return mayCallRoute(route, role);
}

/** Routes a role may call, as API Gateway method ARN patterns (`*` for path parameters). */
export function allowedResources(role: Role, methodArnPrefix: string): string[] {
  return allowedRouteResources(ROUTES, role, methodArnPrefix);
}

/** The route table's method, path and roles of every route: what the authorizer needs. */
export function routeAccessTable(): RouteAccess[] {
  const routes: readonly RouteDefinition[] = ROUTES;
  return routes.map(({ method, path, roles }) => ({
    method,
    path,
    roles: roles === "public" ? "public" : [...roles],
  }));
}
