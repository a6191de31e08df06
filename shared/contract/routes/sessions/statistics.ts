/** One session's statistics. */
import { SessionPathParams } from "#shared/contract/schemas/common.ts";
import { SessionStatistics } from "#shared/contract/schemas/statistics.ts";
import type { RouteDefinition } from "../../route-definition.ts";
import { ANY } from "../roles.ts";

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
