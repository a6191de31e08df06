/**
 * The push stream across an outage of its source, on a stack this file
 * starts for itself (on disk, as `npm start` runs it): a subscriber holds an
 * open subscription while DynamoDB Local is frozen (SIGSTOP). While it is
 * frozen the subscriber gets an `error` or nothing, never a wrong event (out
 * of order, repeated, of another session, never committed); after SIGCONT
 * new appends reach it and it ends up holding exactly 1..n, once, in order.
 * Killed (SIGKILL) instead, DynamoDB Local is restarted by the supervisor and
 * the stream poller, which read from it, pushes what commits afterwards.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SessionEvent } from "#shared/contract/schemas/event.ts";
import type { ServerMessage } from "#shared/contract/schemas/stream.ts";
import { childPid, processesOnDataDir, until } from "../../support/stack-children.ts";
import {
  type StackProcess,
  startStackProcess,
  stopStackProcess,
} from "../../support/stack-process.ts";
import {
  connectStream,
  followedSeqs,
  receivedSeqs,
  type TestStream,
  ticketAt,
} from "../../support/stream-client.ts";

/** How long DynamoDB Local stays frozen: past the API's storage budget, so appends answer 503. */
const FREEZE_MS = 12_000;
/** Far above the promised bound (AWS_REQUEST_TIMEOUT_MS × 3 + 1 s = 10 s): a request past it hung. */
const HANG_LIMIT_MS = 20_000;

let dataDir: string;
let stack: StackProcess | undefined;
let key: string;
let stderr = "";

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

async function call(method: string, path: string, body?: unknown): Promise<Answer> {
  if (!stack) throw new Error("the stack is not running");
  const response = await fetch(`${stack.baseUrl}${path}`, {
    method,
    headers: {
      "X-API-Key": key,
      ...(body === undefined ? {} : { "Content-Type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(HANG_LIMIT_MS),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Answer["body"]) : {} };
}

let counter = 0;
async function startSession(): Promise<string> {
  counter += 1;
  const answer = await call("POST", "/sessions", {
    user_id: `stream-outage-${counter}`,
    performer_id: "outage",
  });
  expect(answer.status).toBe(201);
  return String((answer.body.session as { session_id: string }).session_id);
}

function append(sessionId: string, count: number, label: string): Promise<Answer> {
  return call("POST", `/sessions/${sessionId}/events`, {
    events: Array.from({ length: count }, (_, index) => ({
      event_type: "info",
      performer_id: "writer",
      message: `${label} ${index}`,
    })),
  });
}

async function lastSeq(sessionId: string): Promise<number> {
  const answer = await call("GET", `/sessions/${sessionId}`);
  expect(answer.status).toBe(200);
  return Number(answer.body.last_seq);
}

async function storedEvents(sessionId: string): Promise<Map<number, SessionEvent>> {
  const answer = await call("GET", `/sessions/${sessionId}/events?after=0&order=asc&limit=1000`);
  expect(answer.status).toBe(200);
  const items = answer.body.items as SessionEvent[];
  return new Map(items.map((item) => [item.seq, item]));
}

/** Sends `subscribe` and resolves with the answer to it (`subscribed` or `error`). */
async function subscribe(stream: TestStream, sessionId: string, after: number) {
  const from = stream.messages.length;
  stream.send({ action: "subscribe", session_id: sessionId, after });
  return stream.next(
    (message) =>
      "session_id" in message &&
      message.session_id === sessionId &&
      (message.type === "subscribed" || message.type === "error"),
    15_000,
    from,
  );
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "session-trail-stream-outage-"));
  stack = await startStackProcess(dataDir, { DYNAMODB_IN_MEMORY: "false", HEALTH_CACHE_MS: "0" });
  stack.child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  key = readFileSync(join(dataDir, "dev-api-key"), "utf8").trim();
}, 180_000);

afterAll(async () => {
  for (const pid of processesOnDataDir(dataDir)) {
    try {
      process.kill(pid, "SIGCONT");
    } catch {
      // Gone.
    }
  }
  await stopStackProcess(stack?.child);
  for (const pid of processesOnDataDir(dataDir)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Gone.
    }
  }
  rmSync(dataDir, { recursive: true, force: true });
}, 60_000);

describe("an open stream while DynamoDB Local is frozen", () => {
  it("pushes an error or nothing while it is frozen, never a wrong event, and catches up after the thaw", async () => {
    if (!stack) throw new Error("the stack is not running");
    const baseUrl = stack.baseUrl;
    const watched = await startSession();
    const other = await startSession();
    // Every message this subscriber gets, across the connections it may need.
    const received: ServerMessage[] = [];
    let stream = await connectStream(await ticketAt(baseUrl, key));
    expect((await subscribe(stream, watched, 0)).type).toBe("subscribed");

    // Writers on the followed session and on another one, while it is followed.
    await Promise.all(
      [1, 2, 3].map(async (writer) => {
        for (let round = 0; round < 4; round += 1) {
          expect((await append(watched, 1 + (round % 2), `w${writer}r${round}`)).status).toBe(201);
          expect((await append(other, 1, `o${writer}r${round}`)).status).toBe(201);
        }
      }),
    );
    const before = await lastSeq(watched);
    await stream.next(() => receivedSeqs(stream.messages, watched).includes(before));
    expect(followedSeqs(stream.messages, watched)).toEqual(range(before));

    // Frozen while writers keep appending, so the poller and the fan-out may be
    // mid-batch: appends answer 503; the subscriber is watched for the whole window.
    const frozenFrom = stream.messages.length;
    const pid = childPid(dataDir, "DynamoDBLocal");
    let thawed = false;
    let frozen = false;
    /** `frozen`: sent after SIGSTOP and answered before SIGCONT. */
    const answers: { status: number; code: unknown; frozen: boolean }[] = [];
    const writers = [watched, watched, other].map(async (sessionId, writer) => {
      for (let round = 0; !thawed; round += 1) {
        const sentFrozen = frozen;
        const answer = await append(sessionId, 1 + (round % 2), `live w${writer}r${round}`);
        answers.push({
          status: answer.status,
          code: answer.body.error_code,
          frozen: sentFrozen && !thawed,
        });
      }
    });
    await until("the writers under way", () => (answers.length >= 3 ? true : undefined));
    const frozenAt = Date.now();
    process.kill(pid, "SIGSTOP");
    frozen = true;
    try {
      await until(
        "an append answered while frozen",
        () => (answers.some((answer) => answer.frozen) ? true : undefined),
        FREEZE_MS * 2,
      );
      const left = FREEZE_MS - (Date.now() - frozenAt);
      if (left > 0) await new Promise((resolve) => setTimeout(resolve, left));
    } finally {
      process.kill(pid, "SIGCONT");
      thawed = true;
    }
    const frozenMessages = stream.messages.slice(frozenFrom);
    await Promise.all(writers);
    for (const answer of answers) {
      expect([201, 503]).toContain(answer.status);
      if (answer.status === 503) expect(answer.code).toBe("UNAVAILABLE");
      if (answer.frozen) expect(answer.status).toBe(503);
    }
    let highest = receivedSeqs(stream.messages.slice(0, frozenFrom), watched).at(-1) ?? 0;
    for (const message of frozenMessages) {
      expect(["events", "error"], JSON.stringify(message)).toContain(message.type);
      if (message.type !== "events") continue;
      expect(message.session_id).toBe(watched);
      for (const item of message.items) {
        expect(item.seq, "no repeat, nothing out of order").toBeGreaterThan(highest);
        highest = item.seq;
      }
    }

    // Thawed: new appends reach the subscriber, on this connection or a resumed one.
    await until("the API answering again", async () =>
      (await call("GET", `/sessions/${watched}`)).status === 200 ? true : undefined,
    );
    for (const round of [1, 2, 3]) {
      expect((await append(watched, round, `after ${round}`)).status).toBe(201);
    }
    const n = await lastSeq(watched);
    const thawedAt = Date.now();
    await until(
      "the last event pushed",
      async () => {
        if (receivedSeqs([...received, ...stream.messages], watched).includes(n)) return true;
        if (stream.socket.readyState !== stream.socket.OPEN) {
          received.push(...stream.messages);
          const held = followedSeqs(received, watched);
          stream = await connectStream(await ticketAt(baseUrl, key));
          await subscribe(stream, watched, held[held.length - 1] ?? 0);
        }
        return undefined;
      },
      30_000,
    );
    received.push(...stream.messages);
    console.log(
      `stream outage: frozen ${FREEZE_MS} ms with ${answers.length} appends (${answers.filter((answer) => answer.status === 503).length} answered 503), ${frozenMessages.length} messages meanwhile; last event pushed ${Date.now() - thawedAt} ms after its append`,
    );

    for (const line of stderr.split("\n").filter((text) => /stream poller|fan-out/.test(text)))
      console.log(`stream outage: stack said: ${line}`);

    // Nothing wrong, ever: only this session, each event as stored, once, in order.
    const stored = await storedEvents(watched);
    expect(stored.size).toBe(n);
    const pushed = received.flatMap((message) => {
      if (message.type === "events") expect(message.session_id).toBe(watched);
      return message.type === "events" ? message.items : [];
    });
    for (const item of pushed) expect(item).toEqual(stored.get(item.seq));
    expect(received.filter((message) => message.type === "gap")).toEqual([]);
    // A fan-out batch retried after the thaw may repeat what it sent (the protocol's
    // at-least-once); the follower drops repeats and holds every event once.
    expect(followedSeqs(received, watched)).toEqual(range(n));
    console.log(
      `stream outage: ${pushed.length - n} repeated events pushed, dropped by the follower`,
    );
    await stream.close();
  }, 120_000);
});

describe("an open stream while DynamoDB Local is killed", () => {
  it("pushes what is appended after the supervisor restarted it, once, in order, on the same connection", async () => {
    if (!stack) throw new Error("the stack is not running");
    const watched = await startSession();
    const stream = await connectStream(await ticketAt(stack.baseUrl, key));
    expect((await subscribe(stream, watched, 0)).type).toBe("subscribed");
    expect((await append(watched, 2, "before")).status).toBe(201);
    const before = await lastSeq(watched);
    await stream.next(() => receivedSeqs(stream.messages, watched).includes(before));

    // The poller's source dies under it; the stack restarts it on the same data dir.
    const pid = childPid(dataDir, "DynamoDBLocal");
    const logged = stderr.length;
    const killedAt = Date.now();
    process.kill(pid, "SIGKILL");
    await until("DynamoDB Local running again and a healthy stack", async () =>
      stderr.slice(logged).includes("DynamoDB Local is running again") &&
      (await call("GET", "/health")).status === 200
        ? true
        : undefined,
    );
    const restartedMs = Date.now() - killedAt;
    expect(stream.socket.readyState).toBe(stream.socket.OPEN);
    for (const round of [1, 2]) {
      expect((await append(watched, round, `after ${round}`)).status).toBe(201);
    }
    const n = await lastSeq(watched);
    const appendedAt = Date.now();
    await stream.next(() => receivedSeqs(stream.messages, watched).includes(n));
    console.log(
      `stream outage: DynamoDB Local killed, healthy again after ${restartedMs} ms; the next append pushed ${Date.now() - appendedAt} ms after its 201`,
    );
    const stored = await storedEvents(watched);
    const pushed = stream.messages.flatMap((message) =>
      message.type === "events" ? message.items : [],
    );
    for (const item of pushed) expect(item).toEqual(stored.get(item.seq));
    expect(pushed.map((item) => item.seq)).toEqual(range(n));
    await stream.close();
  }, 120_000);
});

function range(n: number): number[] {
  return Array.from({ length: n }, (_, index) => index + 1);
}
