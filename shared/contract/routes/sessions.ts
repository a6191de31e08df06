/**
 * Routes of the session lifecycle: start, list, read, update, end, pause, resume, delete, statistics.
 * Each route is one named definition its handler passes to `apiHandler`;
 * `ROUTES` in ../routes.ts lists them all.
 */
import type * as z from "zod";
import { SessionPathParams } from "#shared/contract/schemas/common.ts";
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
import { SessionStatistics } from "#shared/contract/schemas/statistics.ts";
import type { RouteDefinition } from "../route-definition.ts";
import { ANY, WRITERS } from "./roles.ts";

/** Every route that changes a session takes If-Match the same way. */
const IF_MATCH_HEADER = {
  "If-Match": {
    description:
      'The ETag of the version read ("3"), a list of tags, or *: answers 412 PRECONDITION_FAILED when the session has another version now, checked in the same transaction as the change. Strong comparison (RFC 9110): a tag matches only when its text is exactly the ETag\'s ("03" is not "3"), and weak tags (W/"3") never match. Several If-Match lines are read as one list. Without it, or empty, the change applies to the session as it is.',
    required: false,
    pattern: IF_MATCH_PATTERN,
    maxLength: MAX_IF_MATCH_LENGTH,
  },
} as const;

export const startSessionRoute = {
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
          "Replays the first answer for the same key and body within 24 h (with Idempotent-Replayed: true); the same key with another body is 422. An empty value is refused with 400 naming the header. A replay answers as the first start did, even if that session has since been deleted: its Location and session_id then answer 404.",
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
} as const satisfies RouteDefinition;

export const listSessionsRoute = {
  method: "GET",
  path: "/sessions",
  function: "list-sessions",
  roles: ANY,
  operationId: "listSessions",
  summary: "List the tenant's sessions, newest first.",
  request: { query: ListSessionsQuery },
  responses: { 200: { description: "A page of sessions.", schema: SessionList } },
  errors: ["VALIDATION_ERROR"],
} as const satisfies RouteDefinition;

export const getSessionRoute = {
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
} as const satisfies RouteDefinition;

export const updateSessionRoute = {
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
    headers: IF_MATCH_HEADER,
  },
  responses: {
    200: { description: "Updated (or unchanged).", schema: SessionUpdate, headers: ["ETag"] },
  },
  errors: ["VALIDATION_ERROR", "NOT_FOUND", "PRECONDITION_FAILED"],
} as const satisfies RouteDefinition;

function transitionRoute<const A extends "end" | "pause" | "resume", B extends z.ZodType>(
  action: A,
  body: B,
) {
  return {
    method: "POST",
    path: `/sessions/{id}/${action}`,
    function: "transition-session",
    roles: WRITERS,
    operationId: `${action}Session`,
    summary: `${action[0]?.toUpperCase()}${action.slice(1)} a session; with If-Match, only the session version named (else 412).`,
    request: { params: SessionPathParams, body, headers: IF_MATCH_HEADER },
    responses: {
      200: { description: "Changed.", schema: SessionWithEvent, headers: ["ETag"] },
    },
    errors: [
      "VALIDATION_ERROR",
      "NOT_FOUND",
      "SESSION_USER_MISMATCH",
      "SESSION_ALREADY_ENDED",
      "INVALID_TRANSITION",
      "PRECONDITION_FAILED",
    ],
  } as const satisfies RouteDefinition;
}

export const endSessionRoute = transitionRoute("end", EndSessionBody);
export const pauseSessionRoute = transitionRoute("pause", TransitionBody);
export const resumeSessionRoute = transitionRoute("resume", TransitionBody);

export const deleteSessionRoute = {
  method: "DELETE",
  path: "/sessions/{id}",
  function: "delete-session",
  roles: ["admin"],
  operationId: "deleteSession",
  summary:
    "Delete a session, its events and its workspace; with If-Match, only the session version named (else 412).",
  request: { params: SessionPathParams, headers: IF_MATCH_HEADER },
  responses: { 204: { description: "Deleted." } },
  errors: ["VALIDATION_ERROR", "NOT_FOUND", "PRECONDITION_FAILED"],
} as const satisfies RouteDefinition;

export const getSessionStatisticsRoute = {
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
} as const satisfies RouteDefinition;
