/**
 * Restart durability: `npm start` on a data dir (DynamoDB Local on disk, the
 * S3 emulator's folder), writes acknowledged over HTTP, then the stack is
 * stopped with SIGTERM and started again, and killed with SIGKILL and
 * started again. Every acknowledged write must be there after each restart,
 * the dev key must keep working, and no child process may outlive a stop.
 */
import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type StackProcess, startStackProcess } from "../../support/stack-process.ts";

const STARTUP_TIMEOUT_MS = 120_000;

type RunningStack = StackProcess;

let dataDir: string;
let running: RunningStack | undefined;

function startStack(): Promise<RunningStack> {
  return startStackProcess(dataDir, { DYNAMODB_IN_MEMORY: "false" }, STARTUP_TIMEOUT_MS);
}

/** The children the stack recorded in its pid file, if one is there. */
function recordedChildren(): number[] {
  try {
    const pids: unknown = JSON.parse(readFileSync(join(dataDir, "local-stack.pids"), "utf8"));
    return Array.isArray(pids) ? pids.filter((pid): pid is number => typeof pid === "number") : [];
  } catch {
    return [];
  }
}

function isStackChild(pid: number): boolean {
  try {
    const commandLine = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    return commandLine.includes("DynamoDBLocal") || commandLine.includes("s3rver");
  } catch {
    return false;
  }
}

/** Processes whose command line names this test's data dir: the stack's children. */
function processesOnDataDir(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const commandLine = readFileSync(`/proc/${entry}/cmdline`, "utf8");
      if (commandLine.includes(dataDir)) pids.push(Number(entry));
    } catch {
      // Exited while we looked.
    }
  }
  return pids;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function stop(stack: RunningStack, signal: NodeJS.Signals) {
  stack.child.kill(signal);
  const result = await stack.exited;
  running = undefined;
  return result;
}

interface Call {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

async function call(
  stack: RunningStack,
  key: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<Call> {
  const response = await fetch(`${stack.baseUrl}${path}`, {
    method,
    headers: {
      "X-API-Key": key,
      ...(body === undefined ? {} : { "Content-Type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    redirect: "manual",
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
    headers: response.headers,
  };
}

function devKey(): string {
  return readFileSync(join(dataDir, "dev-api-key"), "utf8").trim();
}

/** Everything acknowledged so far, as the API answered it. */
interface Acknowledged {
  sessions: Map<string, { user: string; deleted: boolean }>;
  files: Map<string, { sessionId: string; path: string; sha256: string }>;
  keys: string[];
}

const acknowledged: Acknowledged = { sessions: new Map(), files: new Map(), keys: [] };

async function startSession(stack: RunningStack, key: string, user: string): Promise<string> {
  const answer = await call(stack, key, "POST", "/sessions", {
    user_id: user,
    performer_id: "restart",
  });
  expect(answer.status).toBe(201);
  const id = String((answer.body.session as { session_id: string }).session_id);
  acknowledged.sessions.set(id, { user, deleted: false });
  return id;
}

async function appendEvents(stack: RunningStack, key: string, id: string, count: number) {
  const answer = await call(stack, key, "POST", `/sessions/${id}/events`, {
    events: Array.from({ length: count }, (_, index) => ({
      event_type: "info",
      message: `restart-${index}`,
      event_data: { index },
    })),
  });
  expect(answer.status).toBe(201);
}

async function transition(stack: RunningStack, key: string, id: string, action: string) {
  const user = acknowledged.sessions.get(id)?.user ?? "";
  const answer = await call(stack, key, "POST", `/sessions/${id}/${action}`, {
    user_id: user,
    performer_id: "restart",
  });
  expect(answer.status).toBe(200);
}

async function upload(stack: RunningStack, key: string, id: string, path: string) {
  const bytes = randomBytes(48 * 1024 + 7);
  const ticket = await call(stack, key, "POST", `/sessions/${id}/uploads`, {
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
  acknowledged.files.set(`${id}/${path}`, {
    sessionId: id,
    path,
    sha256: createHash("sha256").update(bytes).digest("hex"),
  });
}

/** What the API answers for every acknowledged write, to compare across restarts. */
async function snapshot(stack: RunningStack, key: string) {
  const sessions: Record<string, unknown> = {};
  for (const [id, { deleted }] of acknowledged.sessions) {
    const session = await call(stack, key, "GET", `/sessions/${id}`);
    if (deleted) {
      sessions[id] = session.status;
      continue;
    }
    const events = await call(stack, key, "GET", `/sessions/${id}/events?order=asc&limit=1000`);
    sessions[id] = { session: session.body, events: events.body.items };
  }
  const files: Record<string, string> = {};
  for (const [name, file] of acknowledged.files) {
    const redirect = await call(
      stack,
      key,
      "GET",
      `/sessions/${file.sessionId}/files/${file.path}`,
    );
    expect(redirect.status).toBe(307);
    const download = await fetch(redirect.headers.get("location") ?? "");
    const bytes = Buffer.from(await download.arrayBuffer());
    files[name] = createHash("sha256").update(bytes).digest("hex");
  }
  const keyStatuses = await Promise.all(
    acknowledged.keys.map(async (other) => (await call(stack, other, "GET", "/sessions")).status),
  );
  return { sessions, files, keyStatuses };
}

function expectedFiles(): Record<string, string> {
  return Object.fromEntries([...acknowledged.files].map(([name, file]) => [name, file.sha256]));
}

async function createKeyWithCli(): Promise<string> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["--import", "tsx", "infra/cli/keys.ts", "create", "--tenant", "restart", "--role", "support"],
    { env: { ...process.env, DATA_DIR: dataDir, TABLE_NAME: "" } },
  );
  const key = stdout.trim().split("\n").pop() ?? "";
  expect(key).toMatch(/^st_/);
  return key;
}

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), "session-trail-restart-"));
});

afterAll(async () => {
  if (running) await stop(running, "SIGTERM").catch(() => undefined);
  // Whatever a failed step left behind: only this test's stack's children.
  const leftovers = new Set([...processesOnDataDir(), ...recordedChildren().filter(isStackChild)]);
  for (const pid of leftovers) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
  rmSync(dataDir, { recursive: true, force: true });
}, 60_000);

describe("restart durability of npm start", () => {
  let before: Awaited<ReturnType<typeof snapshot>>;

  it("keeps every acknowledged write and the dev key across a SIGTERM restart, leaving no child behind", async () => {
    running = await startStack();
    const first = running;
    const key = devKey();
    const active = await startSession(first, key, "restart-active");
    await appendEvents(first, key, active, 10);
    await appendEvents(first, key, active, 25);
    await upload(first, key, active, "input/scan.bin");
    await upload(first, key, active, "logs/run.log");
    const ended = await startSession(first, key, "restart-ended");
    await appendEvents(first, key, ended, 5);
    await transition(first, key, ended, "end");
    const paused = await startSession(first, key, "restart-paused");
    await transition(first, key, paused, "pause");
    const deleted = await startSession(first, key, "restart-deleted");
    await upload(first, key, deleted, "output/result.bin");
    const removal = await call(first, key, "DELETE", `/sessions/${deleted}`);
    expect(removal.status).toBe(204);
    acknowledged.sessions.set(deleted, { user: "restart-deleted", deleted: true });
    acknowledged.files.delete(`${deleted}/output/result.bin`);
    acknowledged.keys.push(await createKeyWithCli());
    before = await snapshot(first, key);
    expect(before.files).toEqual(expectedFiles());
    expect(before.keyStatuses).toEqual([200]);

    const children = processesOnDataDir();
    expect(children.length).toBeGreaterThanOrEqual(2);
    const result = await stop(first, "SIGTERM");
    expect(result.code).toBe(0);
    expect(processesOnDataDir()).toEqual([]);
    expect(existsSync(join(dataDir, "local-stack.pids"))).toBe(false);

    running = await startStack();
    expect(devKey()).toBe(key);
    const after = await snapshot(running, key);
    expect(after).toEqual(before);
    // Writes go on where they stopped.
    const appended = await call(running, key, "POST", `/sessions/${active}/events`, {
      events: [{ event_type: "info", message: "after restart" }],
    });
    expect(appended.status).toBe(201);
    expect(appended.body.first_seq).toBe(37);
    const again = await call(running, key, "POST", "/sessions", {
      user_id: "restart-active",
      performer_id: "restart",
    });
    expect(again.status).toBe(409);
    expect((again.body.details as { active_session_id?: string }).active_session_id).toBe(active);
  }, 300_000);

  it("keeps every acknowledged write after a SIGKILL, and the next start clears the orphaned children", async () => {
    const second = running;
    if (!second) throw new Error("the stack of the previous step is not running");
    const key = devKey();
    const [active] = [...acknowledged.sessions].find(([, s]) => s.user === "restart-active") ?? [];
    const [paused] = [...acknowledged.sessions].find(([, s]) => s.user === "restart-paused") ?? [];
    if (!active || !paused) throw new Error("sessions of the previous step are missing");
    await appendEvents(second, key, active, 40);
    await transition(second, key, paused, "end");
    const late = await startSession(second, key, "restart-late");
    await appendEvents(second, key, late, 3);
    await upload(second, key, late, "status.json");
    acknowledged.keys.push(await createKeyWithCli());
    const beforeKill = await snapshot(second, key);
    expect(beforeKill.files).toEqual(expectedFiles());
    expect(beforeKill.keyStatuses).toEqual([200, 200]);

    const recorded = recordedChildren();
    expect(recorded.length).toBe(2);
    const result = await stop(second, "SIGKILL");
    expect(result.signal).toBe("SIGKILL");
    // Nothing could clean up after a SIGKILL: the children are orphaned, still on the data dir.
    const orphans = processesOnDataDir();
    expect([...orphans].sort()).toEqual([...recorded].sort());
    console.log(
      `restart: after SIGKILL, ${orphans.length} orphaned children on the data dir (recorded ${recorded.join(", ")})`,
    );

    running = await startStack();
    for (const pid of recorded) expect(isAlive(pid), `orphan ${pid} still alive`).toBe(false);
    const afterKill = await snapshot(running, key);
    expect(afterKill).toEqual(beforeKill);
    expect(devKey()).toBe(key);

    const result3 = await stop(running, "SIGTERM");
    expect(result3.code).toBe(0);
    expect(processesOnDataDir()).toEqual([]);
    console.log(
      `restart: ${acknowledged.sessions.size} sessions, ${acknowledged.files.size} files and ${acknowledged.keys.length + 1} keys intact across SIGTERM and SIGKILL restarts`,
    );
  }, 300_000);
});
