/** Shared pieces of `npm run bench`: the in-process local stack, timing, request counting. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent, setGlobalDispatcher } from "undici";
import { type LocalStack, startLocalStack } from "#infra/local/local-stack.ts";
import { dynamo } from "#shared/storage/clients.ts";
import { s3 } from "#shared/storage/s3-client.ts";
import { createApiKey } from "#shared/usecases/api-keys.ts";

export interface BenchContext {
  stack: LocalStack;
  baseUrl: string;
  /** An admin key for a tenant of the bench's own. */
  adminKey: string;
  tenant: string;
  counters: RequestCounters;
}

/** DynamoDB and S3 calls made by this process (the gateway's handlers run here too). */
export class RequestCounters {
  dynamoRequests = 0;
  dynamoReadUnits = 0;
  s3Requests = 0;
  s3BytesRead = 0;
  byCommand = new Map<string, number>();

  reset(): void {
    this.dynamoRequests = 0;
    this.dynamoReadUnits = 0;
    this.s3Requests = 0;
    this.s3BytesRead = 0;
    this.byCommand.clear();
  }
}

/**
 * The table's client caches each command type's resolved middleware
 * (`cacheMiddleware`): calls made before the counter was added were resolved
 * without it, so that cache is started again once it is in.
 */
function instrument(counters: RequestCounters): void {
  const table = dynamo().client;
  table.middlewareStack.add(
    (next, context) => async (args) => {
      counters.dynamoRequests += 1;
      const name = context.commandName ?? "unknown";
      counters.byCommand.set(name, (counters.byCommand.get(name) ?? 0) + 1);
      const input = args.input as Record<string, unknown>;
      if (name === "QueryCommand" || name === "GetItemCommand") {
        input.ReturnConsumedCapacity ??= "TOTAL";
      }
      const result = await next(args);
      const output = result.output as { ConsumedCapacity?: { CapacityUnits?: number } };
      counters.dynamoReadUnits += output.ConsumedCapacity?.CapacityUnits ?? 0;
      return result;
    },
    { step: "initialize", name: "benchRequestCounter" },
  );
  Reflect.deleteProperty(table, "handlers");
  s3().middlewareStack.add(
    (next, context) => async (args) => {
      counters.s3Requests += 1;
      const result = await next(args);
      const output = result.output as { ContentLength?: number };
      if (context.commandName === "GetObjectCommand")
        counters.s3BytesRead += output.ContentLength ?? 0;
      return result;
    },
    { step: "initialize", name: "benchRequestCounter" },
  );
}

export async function startBenchStack(): Promise<BenchContext> {
  setGlobalDispatcher(new Agent({ connections: 256, pipelining: 1, keepAliveTimeout: 10_000 }));
  process.env.LOG_LEVEL ??= "CRITICAL";
  process.env.POWERTOOLS_METRICS_DISABLED = "true";
  const stack = await startLocalStack({
    dataDir: mkdtempSync(join(tmpdir(), "session-trail-bench-")),
    port: 0,
    inMemory: true,
    rateLimit: { rps: 0, burst: 0 },
    corsOrigins: [],
    authorizerCacheSeconds: 300,
  });
  const counters = new RequestCounters();
  instrument(counters);
  const tenant = "bench";
  const key = await createApiKey(tenant, "admin", "bench");
  return { stack, baseUrl: stack.endpoints.baseUrl, adminKey: key.plainKey, tenant, counters };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

export function summarize(samples: number[]): {
  p50: number;
  p95: number;
  p99: number;
  count: number;
} {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    p50: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    p99: round(percentile(sorted, 99)),
    count: sorted.length,
  };
}

export function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

export async function json(
  ctx: BenchContext,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${ctx.baseUrl}${path}`, {
    method,
    headers: {
      "X-API-Key": ctx.adminKey,
      ...(body === undefined ? {} : { "Content-Type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

/** A progress line that rewrites itself on a terminal and prints sparsely otherwise. */
export function progress(label: string, done: number, total: number): void {
  if (process.stdout.isTTY) {
    process.stdout.write(`\r${label}: ${done}/${total}`);
    if (done === total) process.stdout.write("\n");
  } else if (done === total || done % Math.max(1, Math.floor(total / 10)) === 0) {
    console.log(`${label}: ${done}/${total}`);
  }
}
