/**
 * The HTTP edge every API function goes through: the middy wiring around one
 * route's use case. The request is parsed with the route's zod schemas
 * (request-parsing.ts), the principal read (principal.ts), and whatever
 * comes back or is thrown mapped to the contract's responses
 * (responses.ts, error-mapping.ts).
 */

import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy, { type MiddlewareObj } from "@middy/core";
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import type * as z from "zod";
import type { RouteDefinition } from "../contract/route-definition.ts";
import { sessionNotFound } from "../domain/errors.ts";
import { isSessionId } from "../domain/ids.ts";
import type { Principal } from "../domain/principal.ts";
import { logger, metrics } from "../observability.ts";
import { invocationStorageBudget, withStorageDeadline } from "../storage/deadline.ts";
import { traceHandler } from "../tracing.ts";
import { errorMapping } from "./error-mapping.ts";
import { requestHeaders } from "./headers.ts";
import { principalOf } from "./principal.ts";
import { parseJsonBody, parseQuery, parseWith } from "./request-parsing.ts";
import { type ApiResult, toProxyResult } from "./responses.ts";

export { isDependencyUnavailable } from "./error-mapping.ts";
export { MAX_BODY_BYTES, validationErrorFrom } from "./request-parsing.ts";
export type { ApiResult };

/** What a route's schema for one part of the request parses to (undefined when it has none). */
type Parsed<R, Part extends "params" | "query" | "body"> = R extends {
  request: { [P in Part]: infer S extends z.ZodType };
}
  ? z.output<S>
  : undefined;

/** Public routes (health, the document, the viewer) are called without a key: no principal. */
type PrincipalOf<R> = R extends { roles: "public" } ? undefined : Principal;

export interface ApiRequest<R extends RouteDefinition> {
  /** The route this request came in on (one of the handler's). */
  route: R;
  body: Parsed<R, "body">;
  query: Parsed<R, "query">;
  params: Parsed<R, "params">;
  principal: PrincipalOf<R>;
  headers: Record<string, string>;
  requestId: string;
}

/** A handler with the routes it serves, so a test can hold it to the route table. */
export type RouteHandler = ReturnType<
  typeof middy<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context>
> & {
  routes: readonly RouteDefinition[];
};

/** Publishes the invocation's metrics, if it recorded any. */
function flushMetrics(): MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> {
  const flush = async () => {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  };
  return { after: flush, onError: flush };
}

/**
 * The request's storage budget counts from its arrival at the gateway: time
 * the authorizer spent (a slow key lookup) is taken from it, so the whole
 * answer stays within AWS_REQUEST_TIMEOUT_MS × attempts and a margin.
 */
function storageBudgetOf(event: APIGatewayProxyEvent, context: Context): number {
  const arrived = event.requestContext?.requestTimeEpoch;
  const spent = typeof arrived === "number" ? Math.max(0, Date.now() - arrived) : 0;
  return Math.max(0, invocationStorageBudget(context) - spent);
}

/**
 * The HTTP edge of one function: it takes the route (or the routes) it
 * serves from the route table, so the schemas, whether a key is needed and
 * which route was called all come from there; the handler is the use-case
 * call and its answer.
 */
export function apiHandler<const R extends RouteDefinition>(
  served: R | readonly R[],
  run: (request: ApiRequest<R>) => Promise<ApiResult>,
): RouteHandler {
  const routes: readonly R[] = isRouteList(served) ? served : [served];
  const handler = middy<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use([...traceHandler, flushMetrics()])
    .use(errorMapping())
    .handler(async (event, context) => {
      const route = routeOf(routes, event);
      const request = parseRequest(route, event);
      const result = await withStorageDeadline(storageBudgetOf(event, context), () =>
        run({ ...request, requestId: context.awsRequestId }),
      );
      return toProxyResult(result, request.headers.origin);
    });
  return Object.assign(handler, { routes });
}

function isRouteList<R extends RouteDefinition>(served: R | readonly R[]): served is readonly R[] {
  return Array.isArray(served);
}

/** The route a request came in on: API Gateway names its method and resource path. */
function routeOf<R extends RouteDefinition>(routes: readonly R[], event: APIGatewayProxyEvent): R {
  const route =
    routes.length === 1
      ? routes[0]
      : routes.find((each) => each.method === event.httpMethod && each.path === event.resource);
  if (!route)
    throw new Error(`no route of this function for ${event.httpMethod} ${event.resource}`);
  return route;
}

/** Principal, path, query and body, each checked against the route's schemas. */
function parseRequest<R extends RouteDefinition>(
  route: R,
  event: APIGatewayProxyEvent,
): Omit<ApiRequest<R>, "requestId"> {
  const headers = requestHeaders(event);
  const principal = route.roles === "public" ? undefined : principalOf(event);
  if (principal) logger.appendKeys({ tenant_id: principal.tenantId, key_id: principal.keyId });
  const rawParams = event.pathParameters ?? {};
  if (typeof rawParams.id === "string" && !isSessionId(rawParams.id)) {
    // A malformed id never reaches storage.
    throw sessionNotFound();
  }
  if (typeof rawParams.id === "string") logger.appendKeys({ session_id: rawParams.id });
  const schemas = route.request ?? {};
  return {
    route,
    headers,
    principal: principal as PrincipalOf<R>,
    params: parseWith(schemas.params, rawParams, "path") as Parsed<R, "params">,
    // A route without query parameters ignores the query string, repeated names included.
    query: (schemas.query
      ? parseWith(schemas.query, parseQuery(event), "query parameters")
      : undefined) as Parsed<R, "query">,
    body: (schemas.body
      ? parseWith(schemas.body, parseJsonBody(event, headers), "body")
      : undefined) as Parsed<R, "body">,
  };
}
