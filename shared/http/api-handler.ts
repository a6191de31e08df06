/**
 * The HTTP edge every API function goes through: parse and validate the
 * request with zod, read the principal the authorizer set, call the use case,
 * and map whatever comes back (or is thrown) to the contract's responses.
 */

import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy, { type MiddlewareObj } from "@middy/core";
import {
  isServerError,
  isThrottlingError,
  isTransientError,
} from "@smithy/service-error-classification";
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import * as z from "zod";
import { ConfigError } from "../config.ts";
import type { RouteDefinition } from "../contract/routes.ts";
import { SERVER_ONLY_FIELDS } from "../contract/schemas/common.ts";
import {
  AppError,
  PayloadTooLargeError,
  sessionNotFound,
  UnavailableError,
  ValidationError,
} from "../domain/errors.ts";
import { findUnstorableKey, type UnstorableValue } from "../domain/events.ts";
import { isSessionId } from "../domain/ids.ts";
import { findAlteredNumber } from "../domain/number-literals.ts";
import { KEY_SCOPES, type Principal, ROLES } from "../domain/principal.ts";
import { logger, metrics } from "../observability.ts";
import { invocationStorageBudget, withStorageDeadline } from "../storage/clients.ts";
import { traceHandler } from "../tracing.ts";
import { requestBodyText } from "./body-text.ts";
import { lowerCaseHeaders, requestHeaders } from "./headers.ts";
import { type ApiResult, errorResult, toProxyResult } from "./responses.ts";

export type { ApiResult };

/** Request bodies above this are refused before parsing. */
export const MAX_BODY_BYTES = 1024 * 1024;

type Schema = z.ZodType | undefined;
type Out<S extends Schema> = S extends z.ZodType ? z.output<S> : undefined;

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

const PrincipalContext = z.object({
  tenant_id: z.string().min(1),
  key_id: z.string().min(1),
  role: z.enum(ROLES),
  scope: z.enum(KEY_SCOPES),
});

function fieldOf(issue: z.core.$ZodIssue): string {
  if (issue.code === "unrecognized_keys") return issue.keys.join(", ");
  return issue.path.map(String).join(".") || "(root)";
}

/** A zod failure as the contract's 400: the message names every bad field. */
export function validationErrorFrom(error: z.ZodError, where: string): ValidationError {
  const fields = error.issues.map((issue) => {
    const field = fieldOf(issue);
    if (issue.code === "unrecognized_keys") {
      const serverOnly = issue.keys.filter((key) =>
        (SERVER_ONLY_FIELDS as readonly string[]).includes(key),
      );
      const prefix = issue.path.length ? `${issue.path.map(String).join(".")}.` : "";
      return serverOnly.length
        ? {
            field: `${prefix}${serverOnly.join(", ")}`,
            message: "is set by the server and may not be sent",
          }
        : { field: `${prefix}${field}`, message: "is not a known field" };
    }
    return { field, message: issue.message };
  });
  const summary = fields.map((entry) => `${entry.field}: ${entry.message}`).join("; ");
  return new ValidationError(`Invalid ${where}: ${summary}.`, { fields });
}

function parseQuery(event: APIGatewayProxyEvent): Record<string, string> {
  // No prototype: `__proto__` or `constructor` in a query string is an unknown parameter like any other.
  const query = Object.create(null) as Record<string, string>;
  for (const [name, values] of Object.entries(event.multiValueQueryStringParameters ?? {})) {
    if (!values || values.length === 0) continue;
    if (values.length > 1) {
      throw new ValidationError(`Query parameter ${name} was given more than once.`, {
        field: name,
      });
    }
    query[name] = values[0] ?? "";
  }
  for (const [name, value] of Object.entries(event.queryStringParameters ?? {})) {
    if (value !== undefined && !(name in query)) query[name] = value;
  }
  return query;
}

function parseJsonBody(event: APIGatewayProxyEvent, headers: Record<string, string>): unknown {
  const text = requestBodyText(event);
  if (Buffer.byteLength(text, "utf8") > MAX_BODY_BYTES) {
    throw new PayloadTooLargeError(`The request body is larger than ${MAX_BODY_BYTES} bytes.`, {
      max_bytes: MAX_BODY_BYTES,
    });
  }
  const contentType = (headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  // A JSON merge patch (RFC 7396) has its own media type; it is JSON all the same.
  const json =
    contentType === "application/json" ||
    (contentType === "application/merge-patch+json" && event.httpMethod === "PATCH");
  if (!json && !(contentType === "" && text === "")) {
    throw new AppError(
      "UNSUPPORTED_MEDIA_TYPE",
      "Send the body as JSON with Content-Type: application/json.",
      { content_type: contentType || null },
    );
  }
  if (text.trim() === "") throw new ValidationError("A JSON body is required.", { field: "body" });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ValidationError("The request body is not valid JSON.", { field: "body" });
  }
  refuseUnstorableMembers(value);
  refuseUnstorable(findAlteredNumber(text));
  return value;
}

/**
 * A `__proto__` member would vanish in schema parsing or storage rather than
 * be refused, so it is refused here, wherever it is, naming where it was.
 */
function refuseUnstorableMembers(value: unknown): void {
  refuseUnstorable(findUnstorableKey(value));
}

function refuseUnstorable(unstorable: UnstorableValue | undefined): void {
  if (!unstorable) return;
  const field = unstorable.path.map(String).join(".") || "body";
  throw new ValidationError(`Invalid body: ${field}: ${unstorable.message}.`, {
    fields: [{ field, message: unstorable.message }],
  });
}

function parseWith<S extends Schema>(schema: S | undefined, input: unknown, where: string): Out<S> {
  if (!schema) return undefined as Out<S>;
  const result = schema.safeParse(input);
  if (!result.success) throw validationErrorFrom(result.error, where);
  return result.data as Out<S>;
}

function principalOf(event: APIGatewayProxyEvent): Principal {
  const parsed = PrincipalContext.safeParse(event.requestContext?.authorizer ?? {});
  if (!parsed.success) {
    throw new AppError("UNAUTHORIZED", "Send a valid API key in the X-API-Key header.");
  }
  return {
    tenantId: parsed.data.tenant_id,
    keyId: parsed.data.key_id,
    role: parsed.data.role,
    scope: parsed.data.scope,
  };
}

/**
 * Maps thrown errors to responses. Only AppErrors are shown to callers;
 * dependency throttles and outages become 503 with Retry-After; anything
 * else is logged and answered with a generic 500.
 */
function errorMapping(): MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> {
  return {
    onError: async (request) => {
      const origin = lowerCaseHeaders(request.event.headers).origin;
      const error = request.error;
      if (error instanceof AppError) {
        if (error.status >= 500) logger.error("request failed", { error_code: error.code });
        request.response = toProxyResult(errorResult(error), origin);
        return;
      }
      if (isDependencyUnavailable(error)) {
        logger.warn("dependency unavailable", { error: describe(error) });
        request.response = toProxyResult(errorResult(new UnavailableError()), origin);
        return;
      }
      if (error instanceof ConfigError) {
        // One line naming the setting; the caller sees only the generic 500.
        logger.error(error.message);
      } else {
        logger.error("unhandled error", { error: describe(error) });
      }
      request.response = toProxyResult(
        errorResult(
          new AppError("INTERNAL", "An internal error occurred. Retry later or contact support.", {
            request_id: request.context.awsRequestId,
          }),
        ),
        origin,
      );
    },
  };
}

/** Publishes the invocation's metrics, if it recorded any. */
function flushMetrics(): MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> {
  const flush = async () => {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  };
  return { after: flush, onError: flush };
}

function describe(error: unknown): Record<string, unknown> {
  if (error instanceof Error)
    return { name: error.name, message: error.message, stack: error.stack };
  return { value: String(error) };
}

const NETWORK_CODES = new Set(["ECONNRESET", "ECONNREFUSED", "ETIMEDOUT", "EPIPE", "EAI_AGAIN"]);

export function isDependencyUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const sdkError = error as Error & { $metadata?: object; code?: string };
  if (sdkError.code && NETWORK_CODES.has(sdkError.code)) return true;
  if (error.name === "TimeoutError" || error.name === "AbortError") return true;
  if (!sdkError.$metadata) return false;
  const classified = error as Parameters<typeof isTransientError>[0];
  return isThrottlingError(classified) || isTransientError(classified) || isServerError(classified);
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
