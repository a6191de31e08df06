/** The optional AWS WAF web ACL in front of the API: a per-source-IP rate limit. */
import { Stack } from "aws-cdk-lib";
import { CfnWebACL } from "aws-cdk-lib/aws-wafv2";
import type { Construct } from "constructs";
import { STATUS_BY_CODE } from "#shared/domain/errors.ts";

/** A web ACL that blocks a source IP above `limit` requests per 5 minutes, answering 429. */
export function perIpRateLimit(scope: Construct, limit: number): CfnWebACL {
  const name = `${Stack.of(scope).stackName}-per-ip`;
  const visibility = (metricName: string) => ({
    cloudWatchMetricsEnabled: true,
    metricName,
    sampledRequestsEnabled: true,
  });
  return new CfnWebACL(scope, "WebAcl", {
    name,
    description: `At most ${limit} requests per source IP in any 5 minutes.`,
    scope: "REGIONAL",
    defaultAction: { allow: {} },
    visibilityConfig: visibility(name),
    customResponseBodies: {
      RateLimited: {
        contentType: "APPLICATION_JSON",
        content: JSON.stringify({
          error_code: "RATE_LIMITED",
          message: "Too many requests from this address. Retry after the seconds in Retry-After.",
          details: {},
        }),
      },
    },
    rules: [
      {
        name: "per-ip-rate",
        priority: 0,
        statement: { rateBasedStatement: { limit, aggregateKeyType: "IP" } },
        action: {
          block: {
            customResponse: {
              responseCode: STATUS_BY_CODE.RATE_LIMITED,
              customResponseBodyKey: "RateLimited",
              responseHeaders: [{ name: "Retry-After", value: "60" }],
            },
          },
        },
        visibilityConfig: visibility(`${name}-rate`),
      },
    ],
  });
}
