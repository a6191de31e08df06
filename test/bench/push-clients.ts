/**
 * The client side of `npm run bench -- push`, run as a process of its own
 * so the subscribers and writers do not share the stack's event loop (as
 * with `npm start`, where clients are other processes). It subscribes 10
 * connections to each session named in PUSH_SESSIONS, prints `ready`, waits
 * for a line on stdin, then appends from one writer per session for
 * PUSH_SECONDS and prints one JSON line: appends, latencies (append's 201 to
 * a subscriber's receipt), missing seqs, repeats dropped, order kept.
 */
import { createInterface } from "node:readline";
import WebSocket from "ws";
import * as z from "zod";
import { ServerMessage } from "#shared/contract/schemas/stream.ts";

const Settings = z.object({
  PUSH_BASE_URL: z.string().url(),
  PUSH_KEY: z.string().min(1),
  PUSH_SESSIONS: z.string().transform((list) => list.split(",")),
  PUSH_SECONDS: z.coerce.number().positive(),
  PUSH_PAUSE_MS: z.coerce.number().nonnegative(),
  PUSH_SUBSCRIBERS_PER_SESSION: z.coerce.number().int().positive(),
});
const settings = Settings.parse(process.env);

interface Subscriber {
  sessionId: string;
  socket: WebSocket;
  receivedAt: Map<number, number>;
  held: number[];
  repeats: number;
}

async function call(method: string, path: string, body?: unknown) {
  const response = await fetch(`${settings.PUSH_BASE_URL}${path}`, {
    method,
    headers: { "X-API-Key": settings.PUSH_KEY, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as unknown };
}

async function subscribe(sessionId: string): Promise<Subscriber> {
  const ticket = await call("POST", "/stream-tickets");
  const socket = new WebSocket((ticket.body as { url: string }).url);
  const subscriber: Subscriber = { sessionId, socket, receivedAt: new Map(), held: [], repeats: 0 };
  await new Promise<void>((resolve, reject) => {
    socket.once("open", () => resolve());
    socket.once("error", reject);
  });
  const ready = new Promise<void>((resolve) => {
    socket.on("message", (data) => {
      const now = performance.now();
      const message = ServerMessage.parse(JSON.parse(data.toString()));
      if (message.type === "subscribed") resolve();
      if (message.type !== "events") return;
      for (const item of message.items) {
        if (!subscriber.receivedAt.has(item.seq)) subscriber.receivedAt.set(item.seq, now);
        if (item.seq > (subscriber.held.at(-1) ?? 1)) subscriber.held.push(item.seq);
        else subscriber.repeats += 1;
      }
    });
  });
  socket.send(JSON.stringify({ action: "subscribe", session_id: sessionId }));
  await ready;
  return subscriber;
}

async function write(sessionId: string, until: number, committedAt: Map<string, number>) {
  let appends = 0;
  while (performance.now() < until) {
    const answer = await call("POST", `/sessions/${sessionId}/events`, {
      events: [{ event_type: "info", message: "bench" }],
    });
    const at = performance.now();
    if (answer.status === 201) {
      appends += 1;
      const seq = (answer.body as { items: { seq: number }[] }).items[0]?.seq ?? 0;
      committedAt.set(`${sessionId}#${seq}`, at);
    }
    await new Promise((resolve) => setTimeout(resolve, settings.PUSH_PAUSE_MS));
  }
  return appends;
}

const subscribers: Subscriber[] = [];
for (const sessionId of settings.PUSH_SESSIONS) {
  for (let k = 0; k < settings.PUSH_SUBSCRIBERS_PER_SESSION; k += 1) {
    subscribers.push(await subscribe(sessionId));
  }
}
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
process.stdout.write("ready\n");
await lines.next();

const committedAt = new Map<string, number>();
const until = performance.now() + settings.PUSH_SECONDS * 1000;
const appended = await Promise.all(
  settings.PUSH_SESSIONS.map((sessionId) => write(sessionId, until, committedAt)),
);
// The last pushes land within this, or count as missing.
await new Promise((resolve) => setTimeout(resolve, 2000));
const latencies: number[] = [];
let missing = 0;
for (const subscriber of subscribers) {
  for (const [key, at] of committedAt) {
    const [sessionId, seq] = key.split("#");
    if (sessionId !== subscriber.sessionId) continue;
    const received = subscriber.receivedAt.get(Number(seq));
    if (received === undefined) missing += 1;
    else latencies.push(Math.max(0, received - at));
  }
}
for (const subscriber of subscribers) subscriber.socket.close();
process.stdout.write(
  `${JSON.stringify({
    subscribers: subscribers.length,
    appends: appended.reduce((sum, each) => sum + each, 0),
    latencies,
    missing,
    repeats: subscribers.reduce((sum, each) => sum + each.repeats, 0),
    inOrder: subscribers.every((each) =>
      each.held.every((seq, index) => seq === (each.held[index - 1] ?? 1) + 1),
    ),
  })}\n`,
);
process.exit(0);
