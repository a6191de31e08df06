import { SessionPathParams } from "#shared/contract/schemas/common.ts";
import {
  AppendEventsBody,
  AppendEventsResult,
  EventPage,
  EventsQuery,
} from "#shared/contract/schemas/events.ts";
import type { RouteDefinition } from "../route-definition.ts";
import { ANY, WRITERS } from "./roles.ts";

export const listEventsRoute = {
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
} as const satisfies RouteDefinition;

export const appendEventsRoute = {
  method: "POST",
  path: "/sessions/{id}/events",
  function: "append-events",
  roles: WRITERS,
  operationId: "appendEvents",
  summary: "Append events; all commit together with consecutive seqs, or none do.",
  request: { params: SessionPathParams, body: AppendEventsBody },
  responses: { 201: { description: "Appended.", schema: AppendEventsResult } },
  errors: ["VALIDATION_ERROR", "NOT_FOUND", "SESSION_ALREADY_ENDED", "PAYLOAD_TOO_LARGE"],
} as const satisfies RouteDefinition;
