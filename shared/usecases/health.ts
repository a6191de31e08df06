/**
 * Reachability of DynamoDB and S3, each with a short timeout; no internals in
 * the answer. /health needs no key, so one instance reuses its last check for
 * a few seconds (HEALTH_CACHE_MS) and concurrent requests share one check: a
 * flood of health requests costs no more storage calls than one.
 */
import { config } from "../config.ts";
import type { HealthReport } from "../contract/schemas/health.ts";
import { isoNow } from "../domain/clock.ts";
import { logger } from "../observability.ts";
import { pingTable } from "../storage/sessions/read.ts";
import { pingBucket } from "../storage/workspace-store.ts";

const CHECK_TIMEOUT_MS = 1500;

async function timed(name: string, probe: (signal: AbortSignal) => Promise<unknown>) {
  const started = performance.now();
  try {
    await probe(AbortSignal.timeout(CHECK_TIMEOUT_MS));
    return { status: "ok" as const, latency_ms: Math.round(performance.now() - started) };
  } catch (error) {
    logger.warn("health check failed", {
      check: name,
      error: error instanceof Error ? error.name : "unknown",
    });
    return { status: "failing" as const, latency_ms: Math.round(performance.now() - started) };
  }
}

let last: { startedAt: number; report: Promise<HealthReport> } | undefined;

export function checkHealth(): Promise<HealthReport> {
  const now = performance.now();
  if (last && now - last.startedAt < config().HEALTH_CACHE_MS) return last.report;
  last = { startedAt: now, report: probeDependencies() };
  return last.report;
}

async function probeDependencies(): Promise<HealthReport> {
  const [dynamodb, bucket] = await Promise.all([
    timed("dynamodb", pingTable),
    timed("s3", pingBucket),
  ]);
  const failing = (
    [
      ["dynamodb", dynamodb],
      ["s3", bucket],
    ] as const
  )
    .filter(([, check]) => check.status === "failing")
    .map(([name]) => name);
  return {
    status: failing.length === 0 ? "healthy" : "unhealthy",
    checks: { dynamodb, s3: bucket },
    failing,
    server_time: isoNow(),
  };
}
