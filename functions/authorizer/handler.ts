/**
 * REQUEST authorizer. Identity source: the X-API-Key header (cached by API
 * Gateway per key). The policy allows exactly the routes the key's role may
 * call, built from the route table, so the cached answer is right for every
 * route and a role that may not call one gets a 403 from the gateway.
 */
import middy from "@middy/core";
import type {
  APIGatewayAuthorizerResult,
  APIGatewayRequestAuthorizerEvent,
  Context,
} from "aws-lambda";
import { readBundledJson } from "#shared/bundle-data.ts";
import {
  allowedResources,
  type RouteAccess,
  RouteAccessTable,
} from "#shared/contract/route-access.ts";
import { headerValue } from "#shared/http/headers.ts";
import { logger, metrics, recordMetric } from "#shared/observability.ts";
import { invocationStorageBudget, withStorageDeadline } from "#shared/storage/deadline.ts";
import { traceHandler } from "#shared/tracing.ts";
import { authenticate } from "#shared/usecases/api-keys.ts";

/**
 * The deployed bundle carries the role-to-route table as JSON; from source it
 * is read off the route table. The specifier is a variable so the bundler
 * leaves the route table and its schemas out.
 */
async function loadRouteAccess(): Promise<RouteAccess[]> {
  const bundled = readBundledJson(import.meta.url, "./route-access.json");
  if (bundled !== undefined) return RouteAccessTable.parse(bundled);
  const source = "#shared/contract/routes.ts";
  const module: typeof import("#shared/contract/routes.ts") = await import(source);
  return module.routeAccessTable();
}

const routeAccess = await loadRouteAccess();

async function authorize(
  event: APIGatewayRequestAuthorizerEvent,
  context?: Partial<Context>,
): Promise<APIGatewayAuthorizerResult> {
  // A hung key store gives a bounded failure (API Gateway's 5xx), never a hang.
  const principal = await withStorageDeadline(invocationStorageBudget(context), () =>
    authenticate(headerValue(event.headers, "x-api-key") || undefined),
  );
  if (!principal) {
    recordMetric("AuthorizerDenials", 1);
    metrics.publishStoredMetrics();
    logger.info("api key rejected");
    // API Gateway answers 401 (UNAUTHORIZED gateway response) for exactly this error.
    throw new Error("Unauthorized");
  }
  // arn:aws:execute-api:{region}:{account}:{api}/{stage}/{METHOD}/{path}
  const [apiArn, stage] = event.methodArn.split("/");
  const resources = allowedResources(routeAccess, principal.role, `${apiArn}/${stage}`);
  return {
    principalId: principal.keyId,
    policyDocument: {
      Version: "2012-10-17",
      Statement: [{ Action: "execute-api:Invoke", Effect: "Allow", Resource: resources }],
    },
    // The scope is the key's, like its role, so an answer cached per key stays right.
    context: {
      tenant_id: principal.tenantId,
      key_id: principal.keyId,
      role: principal.role,
      scope: principal.scope,
    },
    usageIdentifierKey: principal.usageKey,
  };
}

export const handler = middy<
  APIGatewayRequestAuthorizerEvent,
  APIGatewayAuthorizerResult,
  Error,
  Context
>()
  // The answer is a policy and the caller's tenant: traces keep timings only.
  .use(traceHandler)
  .handler(authorize);
