/**
 * The route table: written once, read by the CDK stack, the local gateway,
 * the authorizer's policy and the OpenAPI document. It holds data and zod
 * schemas only (no CDK import), so functions may read it too. The function
 * table (functions.ts) and a route's shape (route-definition.ts) live below
 * the route areas and are re-exported here for the table's readers.
 */
import {
  allowedResources as allowedRouteResources,
  mayCall as mayCallRoute,
  type RouteAccess,
} from "#shared/contract/route-access.ts";
import { ErrorBody } from "#shared/contract/schemas/common.ts";
import type { ErrorCode } from "#shared/domain/errors.ts";
import type { Role } from "#shared/domain/principal.ts";
import type { RouteDefinition } from "./route-definition.ts";
import { appendEventsRoute, listEventsRoute } from "./routes/events.ts";
import {
  getHealthRoute,
  getOpenApiDocumentRoute,
  getStatisticsRoute,
  getViewerRoute,
} from "./routes/service.ts";
import {
  deleteSessionRoute,
  endSessionRoute,
  getSessionRoute,
  getSessionStatisticsRoute,
  listSessionsRoute,
  pauseSessionRoute,
  resumeSessionRoute,
  startSessionRoute,
  updateSessionRoute,
} from "./routes/sessions.ts";
import { createStreamTicketRoute } from "./routes/stream.ts";
import {
  createUploadRoute,
  getWorkspaceFileRoute,
  investigateSessionRoute,
} from "./routes/workspaces.ts";

export {
  BUCKET_ACTIONS,
  type BucketAction,
  DEFAULT_TIMEOUT_SECONDS,
  FUNCTIONS,
  type FunctionAccess,
  type FunctionDefinition,
  type FunctionName,
  INTEGRATION_TIMEOUT_SECONDS,
  TABLE_ACTIONS,
  type TableAction,
} from "./functions.ts";
export type { HttpMethod, RouteDefinition } from "./route-definition.ts";

export const ROUTES = [
  startSessionRoute,
  listSessionsRoute,
  getSessionRoute,
  updateSessionRoute,
  endSessionRoute,
  pauseSessionRoute,
  resumeSessionRoute,
  deleteSessionRoute,
  listEventsRoute,
  appendEventsRoute,
  createUploadRoute,
  getWorkspaceFileRoute,
  investigateSessionRoute,
  getSessionStatisticsRoute,
  getStatisticsRoute,
  getHealthRoute,
  getViewerRoute,
  getOpenApiDocumentRoute,
  createStreamTicketRoute,
] as const satisfies readonly RouteDefinition[];

export type Route = (typeof ROUTES)[number];

/** Errors any authenticated route can answer. */
export const COMMON_ERRORS: readonly ErrorCode[] = [
  "UNAUTHORIZED",
  "FORBIDDEN",
  "PAYLOAD_TOO_LARGE",
  "UNSUPPORTED_MEDIA_TYPE",
  "RATE_LIMITED",
  "INTERNAL",
  "UNAVAILABLE",
];

export const STAGE = "v1";

export { ErrorBody };

/** Whether `role` may call the route. */
export function mayCall(route: RouteDefinition, role: Role | undefined): boolean {
  return mayCallRoute(route, role);
}

/** Routes a role may call, as API Gateway method ARN patterns (`*` for path parameters). */
export function allowedResources(role: Role, methodArnPrefix: string): string[] {
  return allowedRouteResources(ROUTES, role, methodArnPrefix);
}

/** The route table's method, path and roles of every route: what the authorizer needs. */
export function routeAccessTable(): RouteAccess[] {
  const routes: readonly RouteDefinition[] = ROUTES;
  return routes.map(({ method, path, roles }) => ({
    method,
    path,
    roles: roles === "public" ? "public" : [...roles],
  }));
}
