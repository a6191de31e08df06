/** Whether the service and its dependencies answer. */
import { HealthReport } from "#shared/contract/schemas/health.ts";
import type { RouteDefinition } from "../../route-definition.ts";

export const getHealthRoute = {
  method: "GET",
  path: "/health",
  function: "health",
  roles: "public",
  operationId: "getHealth",
  summary: "Dependency check.",
  responses: {
    200: { description: "Healthy.", schema: HealthReport },
    503: { description: "A dependency is unreachable.", schema: HealthReport },
  },
  errors: [],
} as const satisfies RouteDefinition;
