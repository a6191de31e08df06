/** Delete a session with its events and workspace. */
import { SessionPathParams } from "#shared/contract/schemas/common.ts";
import type { RouteDefinition } from "../../route-definition.ts";
import { IF_MATCH_HEADER } from "./if-match.ts";

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
