/** The tenant's session counts. */
import { Statistics } from "#shared/contract/schemas/statistics.ts";
import type { RouteDefinition } from "../../route-definition.ts";

export const getStatisticsRoute = {
  method: "GET",
  path: "/statistics",
  function: "statistics",
  roles: ["admin", "support"],
  operationId: "getStatistics",
  summary: "Session counts by status for the caller's tenant (kept as counters, no scan).",
  responses: { 200: { description: "Counts by status.", schema: Statistics } },
  errors: [],
} as const satisfies RouteDefinition;
