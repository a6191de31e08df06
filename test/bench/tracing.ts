/**
 * `npm run bench -- tracing`: what X-Ray tracing costs a request in Lambda.
 * The get-session handler runs in two child processes with the local
 * stack's environment: one with tracing on as Lambda turns it on
 * (`AWS_EXECUTION_ENV`, `LAMBDA_TASK_ROOT`, a sampled trace header, and a
 * daemon address where this process counts the segments that arrive), one
 * with `POWERTOOLS_TRACE_ENABLED=false`. Each calls the handler CALLS times in
 * a row against DynamoDB Local, the two alternately for ROUNDS rounds after a
 * warm-up, and the table gives the CPU per request of each.
 */
import { type ChildProcess, fork } from "node:child_process";
import { createSocket } from "node:dgram";
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import * as z from "zod";
import type { BenchContext } from "./support.ts";
import { round } from "./support.ts";

const CALLS = Number(process.env.TRACING_CALLS ?? 1000);
const ROUNDS = Number(process.env.TRACING_ROUNDS ?? 4);
const Done = z.object({ cpuMs: z.number(), failed: z.number() });

function startChild(env: NodeJS.ProcessEnv, sessionId: string, tenant: string) {
  const child = fork(resolve(import.meta.dirname, "tracing-child.ts"), [sessionId, tenant], {
    execArgv: ["--import", "tsx"],
    env,
    stdio: ["ignore", "ignore", "inherit", "ipc"],
  });
  const ready = new Promise<void>((done) => child.once("message", () => done()));
  return { child, ready };
}

function run(child: ChildProcess, calls: number): Promise<z.infer<typeof Done>> {
  return new Promise((done) => {
    child.once("message", (message) => done(Done.parse(message)));
    child.send({ calls });
  });
}

export async function benchTracing(ctx: BenchContext): Promise<Record<string, unknown>> {
  const started = await fetch(`${ctx.baseUrl}/sessions`, {
    method: "POST",
    headers: { "X-API-Key": ctx.adminKey, "Content-Type": "application/json" },
    body: JSON.stringify({ user_id: `tracing-${Date.now()}`, performer_id: "bench" }),
  });
  const { session } = z
    .object({ session: z.object({ session_id: z.string() }) })
    .parse(await started.json());
  const endpoints = ctx.stack.endpoints;
  // Stands in for the X-Ray daemon: counts the segment datagrams, so the run shows tracing worked.
  const daemon = createSocket("udp4");
  let segments = 0;
  daemon.on("message", () => {
    segments += 1;
  });
  await new Promise<void>((done) => daemon.bind(0, "127.0.0.1", done));
  const daemonPort = (daemon.address() as AddressInfo).port;
  const base: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodbEndpoint,
    AWS_ENDPOINT_URL_S3: endpoints.s3Endpoint,
    AWS_REGION: endpoints.region,
    AWS_ACCESS_KEY_ID: endpoints.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: endpoints.credentials.secretAccessKey,
    TABLE_NAME: endpoints.tableName,
    CURSOR_SECRET: process.env.CURSOR_SECRET,
    BUCKET_NAME: endpoints.bucketName,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    AWS_EXECUTION_ENV: "AWS_Lambda_nodejs24.x",
    AWS_LAMBDA_FUNCTION_NAME: "get-session",
    POWERTOOLS_SERVICE_NAME: "session-trail",
    POWERTOOLS_METRICS_DISABLED: "true",
    LOG_LEVEL: "CRITICAL",
  };
  const sides = {
    on: startChild(
      {
        ...base,
        POWERTOOLS_TRACE_ENABLED: "true",
        // The X-Ray SDK takes its Lambda mode (a facade segment per trace header) from this.
        LAMBDA_TASK_ROOT: process.cwd(),
        _X_AMZN_TRACE_ID:
          "Root=1-67890abc-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=1",
        AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${daemonPort}`,
        AWS_XRAY_CONTEXT_MISSING: "IGNORE_ERROR",
      },
      session.session_id,
      ctx.tenant,
    ),
    off: startChild({ ...base, POWERTOOLS_TRACE_ENABLED: "false" }, session.session_id, ctx.tenant),
  };
  const cpu = { on: 0, off: 0 };
  let failed = 0;
  try {
    await Promise.all([sides.on.ready, sides.off.ready]);
    for (const side of [sides.on, sides.off]) await run(side.child, 200);
    for (let r = 0; r < ROUNDS; r += 1) {
      const order = r % 2 === 0 ? (["on", "off"] as const) : (["off", "on"] as const);
      for (const name of order) {
        const result = await run(sides[name].child, CALLS);
        cpu[name] += result.cpuMs;
        failed += result.failed;
      }
    }
  } finally {
    sides.on.child.kill();
    sides.off.child.kill();
    daemon.close();
  }
  if (failed > 0) throw new Error(`${failed} get-session calls did not answer 200`);
  if (segments < CALLS * ROUNDS) throw new Error(`only ${segments} segments reached the daemon`);
  const perRequest = (ms: number) => round(ms / (CALLS * ROUNDS), 3);
  const figures = {
    on_cpu_ms: perRequest(cpu.on),
    off_cpu_ms: perRequest(cpu.off),
    added_cpu_ms: perRequest(cpu.on - cpu.off),
    ratio: round(cpu.on / cpu.off, 2),
    segments_received: segments,
  };
  console.log(
    `get-session handler, ${ROUNDS} rounds × ${CALLS} calls per side, CPU per request of the handler's process`,
  );
  console.table(figures);
  return { tracing: figures };
}
