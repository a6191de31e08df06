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
import { cpus, loadavg } from "node:os";
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { bucketName } from "#shared/config.ts";
import { s3 } from "#shared/storage/clients.ts";
import { objectKeys } from "#shared/storage/keys.ts";
import { forgetInvestigationMemory } from "#shared/usecases/investigate.ts";
import { type BenchContext, json, progress, round, summarize } from "./support.ts";

const MIB = 1024 * 1024;
const LOG_MIB = Number(process.env.BENCH_LOG_MIB ?? 200);
const FILE_COUNT = Number(process.env.BENCH_FILES ?? 1000);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 10);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const PART_BYTES = 16 * MIB;
const LOG_LINES_ASKED = 20;
const FRESH_REQUESTS = 10;

const TARGETS = { p95Ms: 300, bytesPerRequest: MIB, coldMs: 2000, peakRssMib: 300 };

interface LogStats {
  bytes: number;
  lines: number;
  errors: number;
  warnings: number;
}

/**
 * The log as parts of about PART_BYTES, each built from whole JSON lines; a
 * part is made only when the previous one has been uploaded.
 */
function* logParts(totalBytes: number, stats: LogStats): Generator<Buffer> {
  const start = Date.parse("2026-11-21T12:00:00.000Z");
  let written = 0;
  let line = 0;
  while (written < totalBytes) {
    const lines: string[] = [];
    let partBytes = 0;
    while (partBytes < PART_BYTES && written + partBytes < totalBytes) {
      line += 1;
      let level = "INFO";
      if (line % 1000 === 0) level = "ERROR";
      else if (line % 50 === 0) level = "WARNING";
      const timestamp = new Date(start + line * 7).toISOString();
      const text = `{"timestamp":"${timestamp}","level":"${level}","logger":"blender.export","message":"Processed mesh chunk ${line} (vertices=${(line * 7919) % 100_000}, faces=${(line * 104_729) % 200_000})"}\n`;
      lines.push(text);
      partBytes += text.length;
      if (level === "ERROR") stats.errors += 1;
      if (level === "WARNING") stats.warnings += 1;
    }
    stats.lines += lines.length;
    written += partBytes;
    yield Buffer.from(lines.join(""));
  }
  stats.bytes = written;
}

async function putLog(key: string, totalBytes: number): Promise<LogStats> {
  const stats: LogStats = { bytes: 0, lines: 0, errors: 0, warnings: 0 };
  const created = await s3().send(
    new CreateMultipartUploadCommand({ Bucket: bucketName(), Key: key, ContentType: "text/plain" }),
  );
  const uploadId = created.UploadId;
  if (!uploadId) throw new Error("multipart upload was not started");
  const parts: { ETag: string; PartNumber: number }[] = [];
  const partCount = Math.ceil(totalBytes / PART_BYTES);
  for (const body of logParts(totalBytes, stats)) {
    const partNumber = parts.length + 1;
    const answer = await s3().send(
      new UploadPartCommand({
        Bucket: bucketName(),
        Key: key,
        UploadId: uploadId,
        PartNumber: partNumber,
        Body: body,
        ContentLength: body.length,
      }),
    );
    parts.push({ ETag: answer.ETag ?? "", PartNumber: partNumber });
    progress(`  seeding ${LOG_MIB} MiB log (16 MiB parts)`, parts.length, partCount);
  }
  await s3().send(
    new CompleteMultipartUploadCommand({
      Bucket: bucketName(),
      Key: key,
      UploadId: uploadId,
      MultipartUpload: { Parts: parts },
    }),
  );
  return stats;
}

async function putSmallFiles(tenant: string, sessionId: string, count: number): Promise<void> {
  const paths: { path: string; body: string }[] = [
    {
      path: "status.json",
      body: JSON.stringify({
        status: "failed",
        processing_stage: "export",
        progress: 87,
        started_at: "2026-11-21T12:00:05.000Z",
        failed_at: "2026-11-21T12:25:00.000Z",
        error_message: "glTF export failed: mesh 'scan' has no UV layer",
        error_code: "EXPORT_FAILED",
        blender_exit_code: 1,
      }),
    },
    { path: "params.json", body: JSON.stringify({ target_format: "glb", decimate_ratio: 0.5 }) },
    { path: "meta.json", body: JSON.stringify({ device: "iPhone 15 Pro", capture: "lidar" }) },
  ];
  const remaining = count - paths.length - 1;
  const inputs = Math.ceil(remaining * 0.6);
  for (let index = 0; index < remaining; index += 1) {
    const folder = index < inputs ? "input" : "output";
    const name = `${folder}/frames/frame-${String(index).padStart(5, "0")}.${folder === "input" ? "heic" : "png"}`;
    paths.push({ path: name, body: `frame ${index} `.repeat(20) });
  }
  let done = 0;
  const queue = [...paths];
  const worker = async () => {
    for (let next = queue.pop(); next; next = queue.pop()) {
      await s3().send(
        new PutObjectCommand({
          Bucket: bucketName(),
          Key: objectKeys.workspaceObject(tenant, sessionId, next.path),
          Body: next.body,
        }),
      );
      done += 1;
      progress(`  seeding ${paths.length} small files`, done, paths.length);
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
}

class RssSampler {
  peak = 0;
  private timer: NodeJS.Timeout | undefined;

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), 20);
  }

  stop(): number {
    clearInterval(this.timer);
    this.sample();
    return this.peak;
  }

  private sample(): void {
    this.peak = Math.max(this.peak, process.memoryUsage.rss());
  }
}

interface InvestigateAnswer {
  logs_summary: {
    total_lines: number;
    error_count: number;
    warning_count: number;
    counts_exact: boolean;
    last_lines: string[];
  } | null;
  files: { directories: Record<string, { file_count: number }>; root_files: unknown[] };
}

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
  const sessionId = (started.body as { session: { session_id: string } }).session.session_id;

  console.log(`seeding a workspace of ${FILE_COUNT} files with a ${LOG_MIB} MiB log`);
  const seedStarted = performance.now();
  await putSmallFiles(ctx.tenant, sessionId, FILE_COUNT);
  const log = await putLog(
    objectKeys.workspaceObject(ctx.tenant, sessionId, "logs/blender.log"),
    LOG_MIB * MIB,
  );
  console.log(`  seeded in ${round((performance.now() - seedStarted) / 1000, 1)} s`);

  const loadBefore = loadavg()[0] ?? 0;
  const rss = new RssSampler();
  rss.start();
  const rssBeforeMib = process.memoryUsage.rss() / MIB;

  // The first request for this log version counts it (once) and stores the counts.
  ctx.counters.reset();
  const cold = await investigate(ctx, sessionId);
  const coldBytes = ctx.counters.s3BytesRead;
  if (cold.status !== 200)
    throw new Error(`cold investigate answered ${cold.status}: ${cold.body}`);
  const coldAnswer = JSON.parse(cold.body) as InvestigateAnswer;
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
