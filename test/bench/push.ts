/**
 * The push stream under load: 100 subscribers (10 per session) follow 10
 * sessions while 10 writers append to them, one event per append. The
 * clients run in a process of their own (push-clients.ts), as they would
 * against `npm start`; this process runs the stack. Reports
 * commit-to-subscriber latency (from the append's 201 to a subscriber's
 * receipt of that seq), what each subscriber held at the end (every seq
 * once, in order, after dropping repeats), and the DynamoDB requests the
 * stack made per delivered event (the stream poller's own reads aside).
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import * as z from "zod";
import { type BenchContext, json, round, summarize } from "./support.ts";

const SECONDS = Number(process.env.BENCH_PUSH_SECONDS ?? 20);
const SESSIONS = 10;
const SUBSCRIBERS_PER_SESSION = 10;
/** Pause between one writer's appends. */
const WRITE_PAUSE_MS = Number(process.env.BENCH_PUSH_PAUSE_MS ?? 100);

const ClientReport = z.object({
  subscribers: z.number(),
  appends: z.number(),
  latencies: z.array(z.number()),
  missing: z.number(),
  repeats: z.number(),
  inOrder: z.boolean(),
});

async function startSessions(ctx: BenchContext): Promise<string[]> {
  const sessions: string[] = [];
  for (let index = 0; index < SESSIONS; index += 1) {
    const started = await json(ctx, "POST", "/sessions", {
      user_id: `bench-push-${index}-${Date.now()}`,
      performer_id: "bench",
    });
    sessions.push((started.body as { session: { session_id: string } }).session.session_id);
  }
  return sessions;
}

export async function benchPush(ctx: BenchContext): Promise<Record<string, unknown>> {
  const sessions = await startSessions(ctx);
  const clients = spawn(
    process.execPath,
    ["--import", "tsx", join(import.meta.dirname, "push-clients.ts")],
    {
      env: {
        ...process.env,
        PUSH_BASE_URL: ctx.baseUrl,
        PUSH_KEY: ctx.adminKey,
        PUSH_SESSIONS: sessions.join(","),
        PUSH_SECONDS: String(SECONDS),
        PUSH_PAUSE_MS: String(WRITE_PAUSE_MS),
        PUSH_SUBSCRIBERS_PER_SESSION: String(SUBSCRIBERS_PER_SESSION),
      },
      stdio: ["pipe", "pipe", "inherit"],
    },
  );
  const lines = createInterface({ input: clients.stdout })[Symbol.asyncIterator]();
  const ready = await lines.next();
  if (ready.value !== "ready") throw new Error("the push clients did not start");
  // Counted from here: the subscribes and their tickets are set-up, not delivery.
  const posted = ctx.stack.stream?.connections.posted ?? 0;
  ctx.counters.reset();
  clients.stdin.write("go\n");
  const result = await lines.next();
  const report = ClientReport.parse(JSON.parse(String(result.value)));
  const delivered = report.latencies.length;
  const latency = summarize(report.latencies);
  const figures = {
    push_subscribers: report.subscribers,
    push_writers: sessions.length,
    push_appends: report.appends,
    push_deliveries: delivered,
    push_missing: report.missing,
    push_repeats_dropped: report.repeats,
    push_in_order: report.inOrder,
    push_latency_p50_ms: latency.p50,
    push_latency_p95_ms: latency.p95,
    push_latency_p99_ms: latency.p99,
    push_messages_posted: (ctx.stack.stream?.connections.posted ?? 0) - posted,
    push_dynamodb_requests: ctx.counters.dynamoRequests,
    push_dynamodb_requests_per_delivered_event: round(
      ctx.counters.dynamoRequests / Math.max(1, delivered),
      3,
    ),
    push_dynamodb_requests_per_append: round(
      ctx.counters.dynamoRequests / Math.max(1, report.appends),
      2,
    ),
  };
  console.table(figures);
  return figures;
}
