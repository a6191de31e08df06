/** Update a session's notes and labels. */
import { SessionPathParams } from "#shared/contract/schemas/common.ts";
import { SessionUpdate } from "#shared/contract/schemas/session-changes.ts";
import { UpdateSessionBody } from "#shared/contract/schemas/session-requests.ts";
import type { RouteDefinition } from "../../route-definition.ts";
import { WRITERS } from "../roles.ts";
import { IF_MATCH_HEADER } from "./if-match.ts";

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
