/**
 * Admission to a protected route, in API Gateway's order: the REQUEST
 * authorizer (its answer cached per key), the policy it returned, then the
 * per-key rate limit. A public route passes with no authorizer context.
 */
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from "aws-lambda";
import { STAGE } from "#shared/contract/routes.ts";
import { headerValue } from "#shared/http/headers.ts";
import type { RateLimiter } from "../rate-limiter.ts";
import { policyAllows } from "./policy.ts";
import { Refusal } from "./refusal.ts";
import type { Target } from "./routing.ts";

const LOCAL_ARN_PREFIX = `arn:aws:execute-api:local:000000000000:local/${STAGE}`;

export type AuthorizerHandler = (
  event: APIGatewayRequestAuthorizerEvent,
) => Promise<APIGatewayAuthorizerResult>;

export class Admission {
  private readonly cache = new Map<string, { result: APIGatewayAuthorizerResult; until: number }>();

  constructor(
    private readonly authorizer: () => Promise<AuthorizerHandler>,
    /** Seconds an authorizer answer is reused for the same key (0: ask every time). */
    private readonly cacheSeconds: number,
    private readonly limiter: RateLimiter,
  ) {}

  /**
   * The authorizer's verdict and the per-key rate limit for a protected route;
   * the authorizer context the function sees (null on a public route).
   */
  async admit(
    target: Target,
    headers: Record<string, string>,
  ): Promise<Record<string, unknown> | null | Refusal> {
    if (target.route.roles === "public") return null;
    const methodArn = `${LOCAL_ARN_PREFIX}/${target.method}${target.rawPath}`;
    const authorization = await this.authorize(target, headers, methodArn);
    if (authorization === "unauthorized") {
      return new Refusal("UNAUTHORIZED", "Send a valid API key in the X-API-Key header.");
    }
    if (authorization === "failed") {
      return new Refusal(
        "UNAVAILABLE",
        "The API key could not be checked just now. Retry shortly.",
        { "Retry-After": "1" },
      );
    }
    if (!policyAllows(authorization, methodArn)) {
      return new Refusal("FORBIDDEN", "This key's role may not call this route.");
    }
    const wait = this.limiter.take(authorization.usageIdentifierKey ?? authorization.principalId);
    if (wait > 0) {
      return new Refusal("RATE_LIMITED", "Too many requests for this API key; slow down.", {
        "Retry-After": String(Math.ceil(wait)),
      });
    }
    return { ...authorization.context, principalId: authorization.principalId };
  }

  private async authorize(
    target: Target,
    headers: Record<string, string>,
    methodArn: string,
  ): Promise<APIGatewayAuthorizerResult | "unauthorized" | "failed"> {
    const apiKey = headerValue(headers, "x-api-key");
    // API Gateway rejects a request without the identity source before calling the authorizer.
    if (!apiKey) return "unauthorized";
    const cached = this.cache.get(apiKey);
    if (cached && cached.until > Date.now()) return cached.result;
    const authorizer = await this.authorizer();
    try {
      const result = await authorizer({
        type: "REQUEST",
        methodArn,
        resource: target.route.path,
        path: target.rawPath,
        httpMethod: target.method,
        headers,
        multiValueHeaders: null,
        pathParameters: null,
        queryStringParameters: null,
        multiValueQueryStringParameters: null,
        stageVariables: null,
        requestContext: {} as APIGatewayRequestAuthorizerEvent["requestContext"],
      } as APIGatewayRequestAuthorizerEvent);
      if (this.cacheSeconds > 0) {
        this.cache.set(apiKey, { result, until: Date.now() + this.cacheSeconds * 1000 });
      }
      return result;
    } catch (error) {
      // As API Gateway: only the authorizer's "Unauthorized" is a 401. Any other
      // failure (the key store throttled or unreachable) is AUTHORIZER_FAILURE, a
      // 5xx the caller may retry, never a verdict on the key.
      return error instanceof Error && error.message === "Unauthorized" ? "unauthorized" : "failed";
    }
  }
}
