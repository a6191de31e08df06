/**
 * `npm run bench -- investigate`: a workspace of 1,000 files with a 200 MiB
 * JSON-lines log, investigated once cold (the log is counted once and the
 * count cached) and then by 10 concurrent clients for at least 10 s.
 * Reports latency, S3 requests and bytes per request and the peak RSS of
 * this process, which runs the gateway and the handlers.
 *
 * Sizes can be changed for a quick run: BENCH_LOG_MIB, BENCH_FILES,
 * BENCH_CLIENTS, BENCH_SECONDS.
 */
import { spawn } from "node:child_process";
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import * as z from "zod";
import { forgetInvestigationMemory } from "#shared/usecases/investigate/index.ts";
import { type BenchContext, json, round, summarize } from "./support.ts";

const MIB = 1024 * 1024;
const LOG_MIB = Number(process.env.BENCH_LOG_MIB ?? 200);
const FILE_COUNT = Number(process.env.BENCH_FILES ?? 1000);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 10);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const LOG_LINES_ASKED = 20;
const FRESH_REQUESTS = 10;

const TARGETS = { p95Ms: 300, bytesPerRequest: MIB, coldMs: 2000, peakRssMib: 300 };

const LogStats = z.object({
  bytes: z.number(),
  lines: z.number(),
  errors: z.number(),
  warnings: z.number(),
});
type LogStats = z.infer<typeof LogStats>;

/**
 * Seeds the workspace from a child process (test/bench/investigate-seed.ts)
 * with the same S3 client code, so the garbage of generating and uploading
 * 200 MiB does not count towards the RSS of the process that serves.
 */
async function seedWorkspace(ctx: BenchContext, sessionId: string): Promise<LogStats> {
  const script = fileURLToPath(new URL("./investigate-seed.ts", import.meta.url));
  const child = spawn(process.execPath, ["--import", "tsx", script], {
    env: {
      ...process.env,
      BENCH_SEED: JSON.stringify({
        endpoints: ctx.stack.endpoints,
        tenant: ctx.tenant,
        sessionId,
        files: FILE_COUNT,
        logBytes: LOG_MIB * MIB,
      }),
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => {
    const text = chunk.toString();
    output += text;
    process.stdout.write(text.replace(/^STATS .*\n?/m, ""));
  });
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  const stats = /^STATS (.*)$/m.exec(output)?.[1];
  if (code !== 0 || !stats) throw new Error(`seeding failed (exit ${code})`);
  return LogStats.parse(JSON.parse(stats));
}

/** Peak RSS of this process, overall and per phase, sampled every 20 ms. */
class RssSampler {
  peak = 0;
  private phasePeak = 0;
  private timer: NodeJS.Timeout | undefined;

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), 20);
  }

  /** Peak since the previous call (or the start), in MiB. */
  endPhase(): number {
    this.sample();
    const peak = this.phasePeak;
    this.phasePeak = 0;
    return peak / MIB;
  }

  stop(): number {
    clearInterval(this.timer);
    this.sample();
    return this.peak;
  }

  private sample(): void {
    const rss = process.memoryUsage.rss();
    this.peak = Math.max(this.peak, rss);
    this.phasePeak = Math.max(this.phasePeak, rss);
  }
}

const InvestigateAnswer = z.object({
  logs_summary: z
    .object({
      total_lines: z.number(),
      error_count: z.number(),
      warning_count: z.number(),
      counts_exact: z.boolean(),
    })
    .nullable(),
  files: z.object({
    directories: z.record(z.string(), z.object({ file_count: z.number() })),
    root_files: z.array(z.unknown()),
  }),
});
const StartedSession = z.object({ session: z.object({ session_id: z.string() }) });

async function investigate(
  ctx: BenchContext,
  sessionId: string,
): Promise<{ ms: number; status: number; body: string }> {
  const started = performance.now();
  const response = await fetch(
    `${ctx.baseUrl}/sessions/${sessionId}/investigate?log_lines=${LOG_LINES_ASKED}`,
    { headers: { "X-API-Key": ctx.adminKey } },
  );
  const body = await response.text();
  return { ms: performance.now() - started, status: response.status, body };
}

function target(met: boolean, label: string): string {
  return `${label} ${met ? "met" : "MISSED"}`.trim();
}

export async function benchInvestigate(ctx: BenchContext): Promise<Record<string, unknown>> {
  const started = await json(ctx, "POST", "/sessions", {
    user_id: `bench-investigate-${Date.now()}`,
    performer_id: "bench",
  });
  const sessionId = StartedSession.parse(started.body).session.session_id;

  console.log(`seeding a workspace of ${FILE_COUNT} files with a ${LOG_MIB} MiB log`);
  const seedStarted = performance.now();
  const log = await seedWorkspace(ctx, sessionId);
  console.log(`  seeded in ${round((performance.now() - seedStarted) / 1000, 1)} s`);

  const loadBefore = loadavg()[0] ?? 0;
  const rss = new RssSampler();
  rss.start();
  const rssBeforeMib = process.memoryUsage.rss() / MIB;

  // The first request for this log version counts it (once) and stores the counts.
  ctx.counters.reset();
  const cold = await investigate(ctx, sessionId);
  const coldBytes = ctx.counters.s3BytesRead;
  const coldRssMib = rss.endPhase();
  if (cold.status !== 200)
    throw new Error(`cold investigate answered ${cold.status}: ${cold.body}`);
  const coldAnswer = InvestigateAnswer.parse(JSON.parse(cold.body));
  const summary = coldAnswer.logs_summary;
  const countsMatch =
    summary?.counts_exact === true &&
    summary.total_lines === log.lines &&
    summary.error_count === log.errors &&
    summary.warning_count === log.warnings;
  const listed =
    coldAnswer.files.root_files.length +
    Object.values(coldAnswer.files.directories).reduce((sum, dir) => sum + dir.file_count, 0);

  // What a request costs on an instance that has cached nothing (a new Lambda instance).
  ctx.counters.reset();
  const fresh: number[] = [];
  for (let index = 0; index < FRESH_REQUESTS; index += 1) {
    forgetInvestigationMemory();
    const answer = await investigate(ctx, sessionId);
    if (answer.status !== 200) throw new Error(`investigate answered ${answer.status}`);
    fresh.push(answer.ms);
  }
  const freshStats = summarize(fresh);
  const freshRssMib = rss.endPhase();
  const bytesPerRequest = ctx.counters.s3BytesRead / FRESH_REQUESTS;
  const s3PerRequest = ctx.counters.s3Requests / FRESH_REQUESTS;
  const dynamoPerRequest = ctx.counters.dynamoRequests / FRESH_REQUESTS;

  // Concurrent clients on one warm instance: listings reused for up to 1 s, files by ETag.
  ctx.counters.reset();
  const latencies: number[] = [];
  let failures = 0;
  const until = performance.now() + SECONDS * 1000;
  const client = async () => {
    while (performance.now() < until) {
      const answer = await investigate(ctx, sessionId);
      if (answer.status === 200) latencies.push(answer.ms);
      else failures += 1;
    }
  };
  const loadStarted = performance.now();
  await Promise.all(Array.from({ length: CLIENTS }, client));
  const loadSeconds = (performance.now() - loadStarted) / 1000;
  const loadRssMib = rss.endPhase();
  const peakRssMib = rss.stop() / MIB;
  const requests = latencies.length + failures;
  const stats = summarize(latencies);
  const loadBytesPerRequest = ctx.counters.s3BytesRead / Math.max(1, requests);
  const loadS3PerRequest = ctx.counters.s3Requests / Math.max(1, requests);
  const loadDynamoPerRequest = ctx.counters.dynamoRequests / Math.max(1, requests);

  const figures = {
    "investigate.p50_ms": stats.p50,
    "investigate.p95_ms": stats.p95,
    "investigate.p99_ms": stats.p99,
    "investigate.cold_ms": round(cold.ms),
    "investigate.cold_s3_bytes": coldBytes,
    "investigate.s3_bytes_per_request": Math.round(bytesPerRequest),
    "investigate.s3_requests_per_request": round(s3PerRequest),
    "investigate.dynamodb_requests_per_request": round(dynamoPerRequest),
    "investigate.fresh_instance_p50_ms": freshStats.p50,
    "investigate.s3_bytes_per_request_under_load": Math.round(loadBytesPerRequest),
    "investigate.s3_requests_per_request_under_load": round(loadS3PerRequest, 3),
    "investigate.dynamodb_requests_per_request_under_load": round(loadDynamoPerRequest, 3),
    "investigate.peak_rss_mib": round(peakRssMib, 1),
    "investigate.rss_before_mib": round(rssBeforeMib, 1),
    "investigate.peak_rss_mib_by_phase": {
      first_request: round(coldRssMib, 1),
      fresh_instance: round(freshRssMib, 1),
      concurrent: round(loadRssMib, 1),
    },
    "investigate.requests": requests,
    "investigate.failures": failures,
    "investigate.throughput_rps": round(requests / loadSeconds, 1),
    "investigate.clients": CLIENTS,
    "investigate.seconds": round(loadSeconds, 1),
    "investigate.workspace_files": listed,
    "investigate.log_bytes": log.bytes,
    "investigate.log_lines": log.lines,
    "investigate.counts_exact_and_correct": countsMatch,
    "investigate.load_average_1m": [round(loadBefore), round(loadavg()[0] ?? 0)],
  };

  const rows: [string, string, string][] = [
    ["workspace", `${listed} files, ${round(log.bytes / MIB, 1)} MiB log, ${log.lines} lines`, ""],
    [
      "first request (counts the log)",
      `${round(cold.ms)} ms`,
      target(cold.ms <= TARGETS.coldMs, `≤ ${TARGETS.coldMs} ms`),
    ],
    ["  S3 bytes read by it", `${round(coldBytes / MIB, 1)} MiB`, "once per log version"],
    ["  counts exact and correct", String(countsMatch), target(countsMatch, "")],
    [`fresh instance, alone (${FRESH_REQUESTS} requests) p50`, `${freshStats.p50} ms`, ""],
    [
      "  S3 bytes read per request",
      `${round(bytesPerRequest / 1024, 1)} KiB`,
      target(bytesPerRequest <= TARGETS.bytesPerRequest, "≤ 1 MiB"),
    ],
    ["  S3 requests per request", String(round(s3PerRequest)), ""],
    ["  DynamoDB requests per request", String(round(dynamoPerRequest)), ""],
    [`${CLIENTS} clients for ${round(loadSeconds, 1)} s: p50`, `${stats.p50} ms`, ""],
    ["  p95", `${stats.p95} ms`, target(stats.p95 <= TARGETS.p95Ms, `≤ ${TARGETS.p95Ms} ms`)],
    ["  p99", `${stats.p99} ms`, ""],
    ["  throughput", `${round(requests / loadSeconds, 1)} req/s, ${failures} failed`, ""],
    [
      "  S3 bytes / requests per request",
      `${round(loadBytesPerRequest / 1024, 2)} KiB / ${round(loadS3PerRequest, 3)}`,
      "",
    ],
    [
      "machine load average (1 min), before / after",
      `${round(loadBefore)} / ${round(loadavg()[0] ?? 0)} on ${cpus().length} CPUs`,
      "",
    ],
    [
      "RSS before / peak in first, fresh, concurrent",
      `${round(rssBeforeMib)} / ${round(coldRssMib)}, ${round(freshRssMib)}, ${round(loadRssMib)} MiB`,
      "",
    ],
    [
      "peak RSS of this process (gateway + handlers)",
      `${round(peakRssMib, 1)} MiB`,
      target(peakRssMib <= TARGETS.peakRssMib, `≤ ${TARGETS.peakRssMib} MiB`),
    ],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  const valueWidth = Math.max(...rows.map(([, value]) => value.length));
  for (const [label, value, note] of rows) {
    console.log(`${label.padEnd(width)}  ${value.padEnd(valueWidth)}  ${note}`);
  }
  return figures;
}
