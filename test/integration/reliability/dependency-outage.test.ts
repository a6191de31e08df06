/**
 * Outages of the local stack's own children, on a stack this file starts for
 * itself (on disk, so data survives a child's restart):
 *
 * - a hung dependency (DynamoDB Local or the S3 emulator stopped with
 *   SIGSTOP): every route answers (503 UNAVAILABLE with Retry-After, or for
 *   investigate a 200 with file_errors that claims nothing it could not
 *   read), and after SIGCONT the next request succeeds;
 * - a dead child (SIGKILL): one log line names it, /health answers 503
 *   naming it, it is restarted on the same data dir and the data is there;
 *   one that cannot be restarted stops the whole stack with exit code 1.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROUTES } from "#shared/contract/routes.ts";
import { cliEnv, collect, startCli } from "../../support/cli.ts";
import {
  type StackProcess,
  startStackProcess,
  stopStackProcess,
} from "../../support/stack-process.ts";

/** Far above the promised bound (AWS_REQUEST_TIMEOUT_MS × 3 + 1 s = 10 s): a request past it hung. */
const HANG_LIMIT_MS = 20_000;

let dataDir: string;
let stack: StackProcess | undefined;
let stderr = "";
let key: string;

interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
  ms: number;
}

async function call(method: string, path: string, body?: unknown): Promise<Answer> {
  if (!stack) throw new Error("the stack is not running");
  const started = performance.now();
  let response: Response;
  try {
    response = await fetch(`${stack.baseUrl}${path}`, {
      method,
      headers: {
        "X-API-Key": key,
        ...(body === undefined ? {} : { "Content-Type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      redirect: "manual",
      signal: AbortSignal.timeout(HANG_LIMIT_MS),
    });
  } catch (error) {
    throw new Error(`${method} ${path}: no answer within ${HANG_LIMIT_MS} ms (${String(error)})`);
  }
  const text = await response.text();
  const json = response.headers.get("content-type")?.startsWith("application/json") ?? false;
  return {
    status: response.status,
    body: text && json ? (JSON.parse(text) as Record<string, unknown>) : {},
    headers: response.headers,
    ms: Math.round(performance.now() - started),
  };
}

function childPid(kind: "DynamoDBLocal" | "s3rver"): number {
  const pids: unknown = JSON.parse(readFileSync(join(dataDir, "local-stack.pids"), "utf8"));
  if (!Array.isArray(pids)) throw new Error("no pid file");
  for (const pid of pids) {
    if (typeof pid !== "number") continue;
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(kind)) return pid;
    } catch {
      // Gone.
    }
  }
  throw new Error(`no ${kind} child recorded`);
}

/** Processes whose command line names this test's data dir: the stack's children. */
function processesOnDataDir(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(dataDir))
        pids.push(Number(entry));
    } catch {
      // Exited while we looked.
    }
  }
  return pids;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, limitMs = 60_000) {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function upload(sessionId: string, path: string, content: string): Promise<void> {
  const bytes = Buffer.from(content);
  const ticket = await call("POST", `/sessions/${sessionId}/uploads`, {
    path,
    content_type: "application/octet-stream",
    size_bytes: bytes.length,
  });
  expect(ticket.status).toBe(201);
  const put = await fetch(String(ticket.body.url), {
    method: "PUT",
    headers: ticket.body.headers as Record<string, string>,
    body: bytes,
  });
  expect(put.status).toBe(200);
}

let counter = 0;
async function startSession(): Promise<string> {
  counter += 1;
  const answer = await call("POST", "/sessions", {
    user_id: `outage-${counter}`,
    performer_id: "outage",
  });
  expect(answer.status).toBe(201);
  return String((answer.body.session as { session_id: string }).session_id);
}

interface RouteCall {
  route: string;
  method: string;
  path: string;
  body?: unknown;
}

/**
 * One request per route of the route table. Writes go to scratch sessions:
 * a write that reached a stopped child may still be applied when it resumes,
 * as a timed-out write can be on AWS.
 */
async function everyRoute(main: string): Promise<RouteCall[]> {
  const scratch = await startSession();
  const doomed = await startSession();
  counter += 1;
  const calls: RouteCall[] = [
    {
      route: "POST /sessions",
      method: "POST",
      path: "/sessions",
      body: { user_id: `outage-${counter}`, performer_id: "outage" },
    },
    { route: "GET /sessions", method: "GET", path: "/sessions" },
    { route: "GET /sessions/{id}", method: "GET", path: `/sessions/${main}` },
    { route: "DELETE /sessions/{id}", method: "DELETE", path: `/sessions/${doomed}` },
    { route: "GET /sessions/{id}/events", method: "GET", path: `/sessions/${main}/events` },
    {
      route: "POST /sessions/{id}/events",
      method: "POST",
      path: `/sessions/${scratch}/events`,
      body: { events: [{ event_type: "info", message: "during the outage" }] },
    },
    {
      route: "POST /sessions/{id}/uploads",
      method: "POST",
      path: `/sessions/${scratch}/uploads`,
      body: { path: "input/late.bin", content_type: "application/octet-stream", size_bytes: 3 },
    },
    {
      route: "GET /sessions/{id}/files/{path+}",
      method: "GET",
      path: `/sessions/${main}/files/input/scan.bin`,
    },
    {
      route: "GET /sessions/{id}/investigate",
      method: "GET",
      path: `/sessions/${main}/investigate`,
    },
    { route: "GET /statistics", method: "GET", path: "/statistics" },
    { route: "POST /stream-tickets", method: "POST", path: "/stream-tickets" },
    { route: "GET /health", method: "GET", path: "/health" },
    { route: "GET /openapi.json", method: "GET", path: "/openapi.json" },
    { route: "GET /viewer", method: "GET", path: "/viewer" },
    {
      route: "GET /sessions/{id}/statistics",
      method: "GET",
      path: `/sessions/${main}/statistics`,
    },
    {
      route: "PATCH /sessions/{id}",
      method: "PATCH",
      path: `/sessions/${scratch}`,
      body: { session_notes: "during the outage" },
    },
  ];
  const scratchUser = `outage-${counter - 2}`;
  const steps = [
    ["pause", "POST /sessions/{id}/pause"],
    ["resume", "POST /sessions/{id}/resume"],
    ["end", "POST /sessions/{id}/end"],
  ] as const;
  for (const [action, route] of steps) {
    calls.push({
      route,
      method: "POST",
      path: `/sessions/${scratch}/${action}`,
      body: { user_id: scratchUser, performer_id: "outage" },
    });
  }
  // A route added to the table without a call here fails the suite.
  expect(calls.map((call) => call.route).sort()).toEqual(
    ROUTES.map((route) => `${route.method} ${route.path}`).sort(),
  );
  return calls;
}

function expectUnavailable(answer: Answer, route: string): void {
  expect(answer.status, route).toBe(503);
  expect(answer.body.error_code, route).toBe("UNAVAILABLE");
  expect(Number(answer.headers.get("retry-after")), route).toBeGreaterThan(0);
}

/** One request per route, all sent while a child is stopped (SIGSTOP), then it resumes. */
async function everyRouteWhileStopped(
  kind: "DynamoDBLocal" | "s3rver",
): Promise<{ calls: RouteCall[]; answers: Answer[] }> {
  const calls = await everyRoute(mainSession);
  const pid = childPid(kind);
  process.kill(pid, "SIGSTOP");
  try {
    return { calls, answers: await Promise.all(calls.map((c) => call(c.method, c.path, c.body))) };
  } finally {
    process.kill(pid, "SIGCONT");
  }
}

let mainSession: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "session-trail-outage-"));
  stack = await startStackProcess(dataDir, {
    DYNAMODB_IN_MEMORY: "false",
    // Every investigate lists the workspace: a listing kept from before an outage would hide it.
    INVESTIGATE_LISTING_REUSE_MS: "0",
    // Likewise every /health checks: an answer kept from before the outage would hide it.
    HEALTH_CACHE_MS: "0",
  });
  stack.child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  key = readFileSync(join(dataDir, "dev-api-key"), "utf8").trim();
  mainSession = await startSession();
  await upload(mainSession, "input/scan.bin", "scan bytes");
  await upload(
    mainSession,
    "status.json",
    JSON.stringify({ status: "failed", error_code: "EXPORT_FAILED", error_message: "no UVs" }),
  );
  await upload(mainSession, "logs/run.log", "ERROR export failed\n");
}, 180_000);

afterAll(async () => {
  const running = stack;
  if (running && running.child.exitCode === null && running.child.signalCode === null) {
    for (const pid of processesOnDataDir()) {
      try {
        process.kill(pid, "SIGCONT");
      } catch {
        // Gone.
      }
    }
    running.child.kill("SIGTERM");
    await running.exited;
  }
  for (const pid of processesOnDataDir()) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Gone.
    }
  }
  rmSync(dataDir, { recursive: true, force: true });
}, 60_000);

describe("a hung dependency gives a bounded answer", () => {
  it("answers every route with 503 and Retry-After while DynamoDB Local is stopped, and recovers on SIGCONT", async () => {
    const { calls, answers } = await everyRouteWhileStopped("DynamoDBLocal");
    calls.forEach((c, index) => {
      const answer = answers[index];
      if (!answer) throw new Error(`no answer for ${c.route}`);
      if (c.route === "GET /openapi.json" || c.route === "GET /viewer")
        expect(answer.status).toBe(200);
      else if (c.route === "GET /health") {
        expect(answer.status).toBe(503);
        expect(answer.body.failing).toContain("dynamodb");
      } else expectUnavailable(answer, c.route);
    });
    const worst = Math.max(...answers.map((answer) => answer.ms));
    console.log(
      `outage: DynamoDB Local stopped: ${answers.length} routes answered, worst ${worst} ms`,
    );
    const after = await call("GET", `/sessions/${mainSession}`);
    expect(after.status).toBe(200);
    expect((await call("GET", "/health")).status).toBe(200);
  }, 120_000);

  it("answers every route within the budget while the S3 emulator is stopped, and recovers on SIGCONT", async () => {
    const { calls, answers } = await everyRouteWhileStopped("s3rver");
    calls.forEach((c, index) => {
      const answer = answers[index];
      if (!answer) throw new Error(`no answer for ${c.route}`);
      if (c.route === "GET /sessions/{id}/investigate") {
        expect(answer.status).toBe(200);
        expect((answer.body.file_errors as unknown[]).length).toBeGreaterThan(0);
      } else if (c.route === "GET /health") {
        expect(answer.status).toBe(503);
        expect(answer.body.failing).toEqual(["s3"]);
      } else if (answer.status >= 500) {
        expectUnavailable(answer, c.route);
      }
    });
    // The routes that read the bucket could not have answered otherwise.
    for (const route of ["GET /sessions/{id}/files/{path+}", "DELETE /sessions/{id}"]) {
      expectUnavailable(answers[calls.findIndex((c) => c.route === route)] as Answer, route);
    }
    const worst = Math.max(...answers.map((answer) => answer.ms));
    console.log(
      `outage: S3 emulator stopped: ${answers.length} routes answered, worst ${worst} ms`,
    );

    const after = await call("GET", `/sessions/${mainSession}/investigate`);
    expect(after.status).toBe(200);
    expect(after.body.workspace_exists).toBe(true);
    expect(after.body.session_status).toBe("failed");
    expect((await call("GET", `/sessions/${mainSession}/files/input/scan.bin`)).status).toBe(307);
  }, 120_000);

  it("investigates without misleading while the S3 emulator is stopped", async () => {
    const pid = childPid("s3rver");
    process.kill(pid, "SIGSTOP");
    let answer: Answer;
    try {
      answer = await call("GET", `/sessions/${mainSession}/investigate`);
    } finally {
      process.kill(pid, "SIGCONT");
    }
    expect(answer.status).toBe(200);
    const investigation = answer.body;
    // Investigate while the workspace cannot be read: unknown, never "missing".
    expect(investigation.workspace_exists).toBeNull();
    expect(investigation.session_status).toBe("active");
    expect(investigation.processing_status).toBeNull();
    const directories = (
      investigation.files as { directories: Record<string, { exists: unknown }> }
    ).directories;
    for (const folder of ["input", "output", "logs"]) {
      expect(directories[folder]?.exists, folder).toBeNull();
    }
    const fileErrors = investigation.file_errors as { file: string; reason: string }[];
    expect(fileErrors.map((error) => error.file)).toContain("workspace");
    const findings = (investigation.findings as string[]).join("\n");
    expect(findings).toMatch(/could not be (read|listed)/);
    expect(findings).toContain("workspace");
    expect(findings).not.toMatch(
      /nothing was uploaded|is empty|no input files|There is no status\.json/,
    );
    console.log(`outage: investigate with S3 stopped: ${JSON.stringify(investigation.findings)}`);
  }, 120_000);
});

describe("the command line follows a session across outages", () => {
  it("prints every event once, in order, across a hung DynamoDB Local and a restart of the stack", async () => {
    if (!stack) throw new Error("the stack is not running");
    const id = await startSession();
    const { port } = new URL(stack.baseUrl);
    const follower = collect(
      startCli(
        ["events", id, "--follow", "--interval", "0.2"],
        cliEnv({ url: stack.baseUrl, key }),
      ),
    );
    const printedSeqs = () =>
      follower
        .output()
        .stdout.split("\n")
        .filter((line) => /^\s*\d+\s/.test(line))
        .map((line) => Number.parseInt(line.trim(), 10));
    const append = async (count: number) => {
      const answer = await call("POST", `/sessions/${id}/events`, {
        events: Array.from({ length: count }, (_, index) => ({
          event_type: "info",
          message: `event ${index}`,
        })),
      });
      expect(answer.status).toBe(201);
    };
    await append(3);
    await until("the first events printed", async () =>
      printedSeqs().includes(4) ? true : undefined,
    );

    // A hung DynamoDB Local: the follower's polls answer 503 with Retry-After until it resumes.
    const pid = childPid("DynamoDBLocal");
    process.kill(pid, "SIGSTOP");
    try {
      expectUnavailable(await call("GET", `/sessions/${id}`), "GET /sessions/{id}");
    } finally {
      process.kill(pid, "SIGCONT");
    }
    await append(2);

    // A restart of the whole stack on the same port and data dir: connections refused meanwhile.
    await stopStackProcess(stack.child);
    stack = await startStackProcess(dataDir, {
      DYNAMODB_IN_MEMORY: "false",
      INVESTIGATE_LISTING_REUSE_MS: "0",
      HEALTH_CACHE_MS: "0",
      PORT: port,
    });
    stack.child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    await append(2);
    const end = await call("POST", `/sessions/${id}/end`, {
      user_id: `outage-${counter}`,
      performer_id: "outage",
    });
    expect(end.status).toBe(200);

    const result = await follower.done;
    expect(result.code).toBe(0);
    expect(printedSeqs()).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  }, 180_000);
});

describe("the local stack notices a dead child", () => {
  for (const [kind, label, dependency] of [
    ["DynamoDBLocal", "DynamoDB Local", "dynamodb"],
    ["s3rver", "S3 emulator", "s3"],
  ] as const) {
    it(`logs, reports and restarts ${label} after it is killed, on the same data dir`, async () => {
      const pid = childPid(kind);
      const logged = stderr.length;
      const killedAt = Date.now();
      process.kill(pid, "SIGKILL");
      const line = await until("the exit line", async () =>
        stderr
          .slice(logged)
          .split("\n")
          .find((text) => text.includes(`${label} (pid ${pid}) exited`)),
      );
      console.log(`outage: ${line}`);
      // Until it is running again, /health names it.
      await until(`/health naming ${dependency}`, async () => {
        const health = await call("GET", "/health");
        return health.status === 503 && (health.body.failing as string[]).includes(dependency)
          ? true
          : undefined;
      });
      await until("a healthy stack", async () =>
        (await call("GET", "/health")).status === 200 ? true : undefined,
      );
      console.log(`outage: ${label} killed: healthy again after ${Date.now() - killedAt} ms`);
      expect(childPid(kind)).not.toBe(pid);
      // The data dir is the same: what was written before is there.
      const session = await call("GET", `/sessions/${mainSession}`);
      expect(session.status).toBe(200);
      expect((await call("GET", `/sessions/${mainSession}/files/input/scan.bin`)).status).toBe(307);
    }, 120_000);
  }

  it("stops the whole stack with exit code 1 when a child cannot be started again", async () => {
    const running = stack;
    if (!running) throw new Error("the stack is not running");
    const endpoints = JSON.parse(readFileSync(join(dataDir, "local-stack.json"), "utf8")) as {
      s3Endpoint: string;
    };
    const port = Number(new URL(endpoints.s3Endpoint).port);
    const pid = childPid("s3rver");
    const killedAt = Date.now();
    process.kill(pid, "SIGKILL");
    // Take the emulator's port as soon as it is free: every restart fails.
    let blocker: Server | undefined;
    try {
      blocker = await until("the emulator's port", async () => {
        const server = createServer();
        return new Promise<Server | undefined>((resolve) => {
          server.once("error", () => resolve(undefined));
          server.listen(port, "127.0.0.1", () => resolve(server));
        });
      });
      const result = await running.exited;
      expect(result.code).toBe(1);
      console.log(`outage: stack exited ${Date.now() - killedAt} ms after the emulator was killed`);
      expect(stderr).toMatch(
        /S3 emulator did not start again after \d+ tries.*stopping the whole stack/,
      );
      expect(processesOnDataDir()).toEqual([]);
      console.log(
        `outage: ${stderr.split("\n").find((text) => text.includes("stopping the whole stack"))}`,
      );
    } finally {
      blocker?.close();
    }
  }, 120_000);
});
