/** Read one session. */
import { SessionPathParams } from "#shared/contract/schemas/common.ts";
import { Session } from "#shared/contract/schemas/session.ts";
import type { RouteDefinition } from "../../route-definition.ts";
import { ANY } from "../roles.ts";

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
