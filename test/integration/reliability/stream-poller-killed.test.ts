/**
 * The local stack's stream poller killed while the stack runs, with a
 * subscriber on an open WebSocket. The stack runs in this process, so the
 * test holds the real poller and ends it with `kill()`, the way its loop
 * ends when it dies: an error inside a round (a failed read, a failed
 * fan-out) is retried by the loop itself and never ends it. The supervisor
 * must log it, `/health` must answer 503 naming `stream` until it runs
 * again, and what was appended after the subscription (while it was down and
 * after the restart) must reach the subscriber exactly once, in order.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { LocalStack } from "#infra/local/local-stack.ts";
import type { SessionEvent } from "#shared/contract/schemas/event.ts";
import { until } from "../../support/stack-children.ts";
import { connectStream, receivedSeqs, ticketAt } from "../../support/stream-client.ts";

// Read once by the product modules, which are loaded after this.
process.env.LOG_LEVEL = "CRITICAL";
process.env.POWERTOOLS_METRICS_DISABLED = "true";
process.env.POWERTOOLS_DEV = "false";
// Every /health looks again: an answer kept from before the kill would hide it.
process.env.HEALTH_CACHE_MS = "0";

let dataDir: string;
let stack: LocalStack;
let baseUrl: string;
let key: string;

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

async function call(method: string, path: string, body?: unknown): Promise<Answer> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      "X-API-Key": key,
      ...(body === undefined ? {} : { "Content-Type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(20_000),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Answer["body"]) : {} };
}

async function append(sessionId: string, count: number, label: string): Promise<void> {
  const answer = await call("POST", `/sessions/${sessionId}/events`, {
    events: Array.from({ length: count }, (_, index) => ({
      event_type: "info",
      performer_id: "writer",
      message: `${label} ${index}`,
    })),
  });
  expect(answer.status).toBe(201);
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "session-trail-stream-poller-"));
  const { startLocalStack } = await import("#infra/local/local-stack.ts");
  stack = await startLocalStack({
    dataDir,
    port: 0,
    inMemory: true,
    rateLimit: { rps: 0, burst: 0 },
    corsOrigins: [],
    authorizerCacheSeconds: 0,
  });
  baseUrl = stack.endpoints.baseUrl;
  const { createApiKey } = await import("#shared/usecases/api-keys.ts");
  key = (await createApiKey("poller", "admin")).plainKey;
}, 180_000);

afterAll(async () => {
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
}, 60_000);

describe("a stream poller killed in a running stack", () => {
  it("is logged, named by /health, started again, and loses or repeats nothing appended after the subscription", async () => {
    const poller = stack.stream?.poller;
    if (!poller) throw new Error("the stack has no push stream");
    const lines: string[] = [];
    const logged = vi.spyOn(console, "error").mockImplementation((...parts: unknown[]) => {
      lines.push(parts.map(String).join(" "));
    });
    const started = await call("POST", "/sessions", { user_id: "follower", performer_id: "w" });
    expect(started.status).toBe(201);
    const id = (started.body.session as { session_id: string }).session_id;
    const stream = await connectStream(await ticketAt(baseUrl, key));
    stream.send({ action: "subscribe", session_id: id, after: 0 });
    await stream.next((message) => message.type === "subscribed");
    await append(id, 3, "before");
    await stream.next(() => receivedSeqs(stream.messages, id).includes(4));

    expect((await call("GET", "/health")).status).toBe(200);

    // Killed, with an append answered while it is down. The supervisor's first
    // retry comes 250 ms after the exit; on a slow machine the append may not make
    // it, and the poller is killed again (the supervisor gives up only after 5).
    let appended = 3;
    let downHealth: Answer | undefined;
    let exitLine: string | undefined;
    let downMs = 0;
    let kills = 0;
    while (!downHealth && kills < 3) {
      kills += 1;
      const killedAt = Date.now();
      const restarts = lines.filter((line) => line.includes("stream poller is running again"));
      const exited = new Promise((resolve) => poller.once("exit", resolve));
      poller.kill();
      await exited;
      const [health] = await Promise.all([call("GET", "/health"), append(id, 2, "while down")]);
      appended += 2;
      if (stack.supervisor.down().includes("stream")) downHealth = health;
      exitLine = await until(
        "the exit line",
        () => lines.filter((line) => line.includes("stream poller (pid ?) exited"))[kills - 1],
      );
      await until("the poller running again", () =>
        lines.filter((line) => line.includes("stream poller is running again")).length >
        restarts.length
          ? true
          : undefined,
      );
      downMs = Date.now() - killedAt;
    }
    expect(downHealth?.status).toBe(503);
    expect(downHealth?.body.failing).toEqual(["stream"]);
    expect((await call("GET", "/health")).status).toBe(200);
    expect(poller.isRunning).toBe(true);
    await append(id, 2, "after the restart");
    appended += 2;
    const last = Number((await call("GET", `/sessions/${id}`)).body.last_seq);
    expect(last).toBe(appended + 1);
    await stream.next(() => receivedSeqs(stream.messages, id).includes(last));
    logged.mockRestore();
    console.log(
      `stream poller: ${exitLine}; running again within ${downMs} ms; killed ${kills} time(s)`,
    );

    const stored = await call("GET", `/sessions/${id}/events?after=0&order=asc&limit=1000`);
    const items = new Map((stored.body.items as SessionEvent[]).map((item) => [item.seq, item]));
    const pushed = stream.messages.flatMap((message) =>
      message.type === "events" ? message.items : [],
    );
    for (const item of pushed) expect(item).toEqual(items.get(item.seq));
    // session_started committed just before the subscription: the backlog and
    // the live stream may both send it, as the protocol says (docs/api.md,
    // "at least once"). Everything appended after `subscribed` has one sender
    // (the backlog was read before it), and must arrive exactly once, in order.
    const startedCopies = pushed.filter((item) => item.seq === 1).length;
    expect(startedCopies).toBeGreaterThanOrEqual(1);
    expect(startedCopies).toBeLessThanOrEqual(2);
    expect(pushed.filter((item) => item.seq > 1).map((item) => item.seq)).toEqual(
      Array.from({ length: last - 1 }, (_, index) => index + 2),
    );
    expect(stream.messages.filter((message) => message.type === "gap")).toEqual([]);
    await stream.close();
  }, 120_000);

  it("starts at the stream's end, as the event source mapping's LATEST does, replaying nothing committed before", async () => {
    const started = await call("POST", "/sessions", { user_id: "history", performer_id: "w" });
    expect(started.status).toBe(201);
    const id = (started.body.session as { session_id: string }).session_id;
    await append(id, 5, "history");
    const { StreamPoller } = await import("#infra/local/stream-poller.ts");
    const { changeOf } = await import("#shared/storage/stream-records.ts");
    const handed: string[] = [];
    // A second poller on the same stream, as a stack started again on its data dir has.
    const fresh = new StreamPoller({
      endpoint: stack.endpoints.dynamodbEndpoint,
      region: stack.endpoints.region,
      tableName: stack.endpoints.tableName,
      log: () => undefined,
      deliver: async (event) => {
        for (const record of event.Records) {
          const change = changeOf(record);
          if (change?.kind === "event") handed.push(`${change.sessionId}#${change.event.seq}`);
        }
      },
    });
    await fresh.start();
    try {
      await append(id, 1, "after the start");
      await until("the new event handed on", () => (handed.includes(`${id}#7`) ? true : undefined));
      expect(handed).toEqual([`${id}#7`]);
    } finally {
      fresh.destroy();
    }
  });
});
