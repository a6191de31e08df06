import { HealthReport } from "#shared/contract/schemas/health.ts";
import { OpenApiDocumentBody } from "#shared/contract/schemas/openapi.ts";
import { Statistics } from "#shared/contract/schemas/statistics.ts";
import type { RouteDefinition } from "../route-definition.ts";

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

export const getViewerRoute = {
  method: "GET",
  path: "/viewer",
  function: "viewer",
  roles: "public",
  operationId: "getViewer",
  summary:
    "The session viewer: an HTML page, same origin as the API, that asks for an API key and keeps it in sessionStorage.",
  responses: {
    200: {
      description: "The page, with a strict Content-Security-Policy.",
      contentType: "text/html",
      headers: ["Content-Security-Policy"],
    },
  },
  errors: [],
} as const satisfies RouteDefinition;

export const getOpenApiDocumentRoute = {
  method: "GET",
  path: "/openapi.json",
  function: "openapi",
  roles: "public",
  operationId: "getOpenApiDocument",
  summary: "This API's OpenAPI 3.1 document, generated from the route table and its schemas.",
  responses: { 200: { description: "The document.", schema: OpenApiDocumentBody } },
  errors: [],
} as const satisfies RouteDefinition;
