/** CORS of the REST API: the preflight the routes need and the headers of gateway errors. */
import { Duration } from "aws-cdk-lib";
import type { CorsOptions } from "aws-cdk-lib/aws-apigateway";
import type { RouteDefinition } from "#shared/contract/routes.ts";
import { API_KEY_HEADER } from "./api-limits.ts";

/** Headers a browser may send: the ones every route reads plus the ones routes declare. */
function allowedRequestHeaders(routes: readonly RouteDefinition[]): string[] {
  const headers = new Set(["Content-Type", API_KEY_HEADER]);
  for (const route of routes) {
    for (const name of Object.keys(route.request?.headers ?? {})) headers.add(name);
  }
  return [...headers];
}

export function corsPreflight(
  origins: readonly string[],
  routes: readonly RouteDefinition[],
): CorsOptions | undefined {
  if (origins.length === 0) return undefined;
  return {
    allowOrigins: [...origins],
    allowMethods: [...new Set(routes.map((route) => route.method)), "OPTIONS"],
    allowHeaders: allowedRequestHeaders(routes),
    maxAge: Duration.hours(1),
  };
}

/**
 * Gateway responses cannot choose among several allowed origins, so with more
 * than one they echo the caller's; the bodies are error messages only.
 */
export function gatewayCorsHeaders(origins: readonly string[]): Record<string, string> {
  if (origins.length === 0) return {};
  if (origins.includes("*")) return { "Access-Control-Allow-Origin": "'*'" };
  const [only] = origins;
  if (origins.length === 1 && only !== undefined) {
    return { "Access-Control-Allow-Origin": `'${only}'` };
  }
  return {
    "Access-Control-Allow-Origin": "method.request.header.Origin",
    Vary: "'Origin'",
  };
}
