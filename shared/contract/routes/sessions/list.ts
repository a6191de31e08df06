/** List the tenant's sessions. */
import { ListSessionsQuery, SessionList } from "#shared/contract/schemas/session-list.ts";
import type { RouteDefinition } from "../../route-definition.ts";
import { ANY } from "../roles.ts";

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
