/** What happened to a session, read from its workspace. */
import { SessionPathParams } from "#shared/contract/schemas/common.ts";
import {
  InvestigateQuery,
  SessionInvestigationResponse,
} from "#shared/contract/schemas/investigate.ts";
import type { RouteDefinition } from "../../route-definition.ts";
import { ANY } from "../roles.ts";

export const investigateSessionRoute = {
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
} as const satisfies RouteDefinition;
