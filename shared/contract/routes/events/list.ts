/** Read a session's events. */
import { SessionPathParams } from "#shared/contract/schemas/common.ts";
import { EventPage, EventsQuery } from "#shared/contract/schemas/event-page.ts";
import type { RouteDefinition } from "../../route-definition.ts";
import { ANY } from "../roles.ts";

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
