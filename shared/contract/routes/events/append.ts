/** Append events to a session. */
import { SessionPathParams } from "#shared/contract/schemas/common.ts";
import { AppendEventsBody, AppendEventsResult } from "#shared/contract/schemas/event-append.ts";
import type { RouteDefinition } from "../../route-definition.ts";
import { WRITERS } from "../roles.ts";

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
