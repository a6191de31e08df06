/**
 * The API's key header and its throttles: the stage's ceiling, and the
 * method-level ceilings of the public routes, which no usage plan covers.
 */
import { type MethodDeploymentOptions, MethodLoggingLevel } from "aws-cdk-lib/aws-apigateway";
import type { RouteDefinition } from "#shared/contract/routes.ts";

export const API_KEY_HEADER = "X-API-Key";
/** Ceiling for the whole stage, above any single key's usage-plan throttle. */
export const STAGE_THROTTLE = { rateLimit: 1000, burstLimit: 2000 } as const;
/**
 * Public routes have no key, so no usage plan throttles them: each gets a
 * method-level ceiling of its own, far below the stage's, so a flood of
 * them cannot use up what the tenants share.
 */
export const PUBLIC_ROUTE_THROTTLE = { rateLimit: 10, burstLimit: 20 } as const;

/** Method-level settings of the public routes (`/{path}/{METHOD}` keys, as the stage wants them). */
export function publicMethodOptions(
  routes: readonly RouteDefinition[],
): Record<string, MethodDeploymentOptions> {
  return Object.fromEntries(
    routes
      .filter((route) => route.roles === "public")
      .map((route) => [
        `${route.path}/${route.method}`,
        {
          throttlingRateLimit: PUBLIC_ROUTE_THROTTLE.rateLimit,
          throttlingBurstLimit: PUBLIC_ROUTE_THROTTLE.burstLimit,
          // A method's own settings replace the stage's, so these repeat them.
          loggingLevel: MethodLoggingLevel.ERROR,
          metricsEnabled: true,
        },
      ]),
  );
}
