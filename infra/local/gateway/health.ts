/**
 * /health as the local stack knows it: a child that exited is unhealthy even
 * in the moment a probe might still reach it (or its replacement has just
 * bound the port but not finished starting), until it is running again.
 */
import type { APIGatewayProxyResult } from "aws-lambda";
import { HealthReport } from "#shared/contract/schemas/health.ts";
import type { Dependency } from "../supervisor.ts";

/** The health function's answer with every down child named as failing, and then 503. */
export function withDownChildren(
  result: APIGatewayProxyResult,
  down: readonly Dependency[],
): APIGatewayProxyResult {
  if (down.length === 0) return result;
  let report: HealthReport;
  try {
    report = HealthReport.parse(JSON.parse(result.body));
  } catch {
    return result;
  }
  for (const dependency of down) {
    report.checks[dependency] = {
      latency_ms: 0,
      ...report.checks[dependency],
      status: "failing",
    };
  }
  const failing = (["dynamodb", "s3", "stream"] as const).filter(
    (name) => report.checks[name]?.status === "failing",
  );
  return {
    ...result,
    statusCode: 503,
    body: JSON.stringify({ ...report, status: "unhealthy", failing }),
  };
}
