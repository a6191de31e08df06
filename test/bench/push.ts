/**
 * The push stream under load: 100 subscribers (10 per session) follow 10
 * sessions while 10 writers append to them, one event per append. Reports
 * commit-to-subscriber latency (from the append's 201 to a subscriber's
 * receipt of that seq), what each subscriber held at the end (every seq
 * once, in order, after dropping repeats), and the DynamoDB requests made
 * per delivered event (the stream poller's own GetRecords calls aside).
 */
import WebSocket from "ws";
import { ServerMessage } from "#shared/contract/schemas/stream.ts";
import { type BenchContext, json, round, summarize } from "./support.ts";

const SECONDS = Number(process.env.BENCH_PUSH_SECONDS ?? 20);
const SESSIONS = 10;
const SUBSCRIBERS_PER_SESSION = 10;
/** Pause between one writer's appends. */
const WRITE_PAUSE_MS = Number(process.env.BENCH_PUSH_PAUSE_MS ?? 100);

interface Subscriber {
  sessionId: string;
  socket: WebSocket;
  receivedAt: Map<number, number>;
  held: number[];
  repeats: number;
}

async function subscribe(ctx: BenchContext, sessionId: string): Promise<Subscriber> {
  const ticket = await json(ctx, "POST", "/stream-tickets");
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

export async function benchPush(ctx: BenchContext): Promise<Record<string, unknown>> {
  const sessions: string[] = [];
  for (let index = 0; index < SESSIONS; index += 1) {
    const started = await json(ctx, "POST", "/sessions", {
      user_id: `bench-push-${index}-${Date.now()}`,
      performer_id: "bench",
    });
    sessions.push((started.body as { session: { session_id: string } }).session.session_id);
  }
  const subscribers: Subscriber[] = [];
  for (const sessionId of sessions) {
    for (let k = 0; k < SUBSCRIBERS_PER_SESSION; k += 1) {
      subscribers.push(await subscribe(ctx, sessionId));
    }
  }
  const committedAt = new Map<string, number>();
  const posted = ctx.stack.stream?.connections.posted ?? 0;
  ctx.counters.reset();
  const deadline = performance.now() + SECONDS * 1000;
  let appends = 0;
  await Promise.all(
    sessions.map(async (sessionId) => {
      while (performance.now() < deadline) {
        const answer = await json(ctx, "POST", `/sessions/${sessionId}/events`, {
          events: [{ event_type: "info", message: "bench" }],
        });
        const at = performance.now();
        if (answer.status === 201) {
          appends += 1;
          const seq = (answer.body as { items: { seq: number }[] }).items[0]?.seq ?? 0;
          committedAt.set(`${sessionId}#${seq}`, at);
        }
        await new Promise((resolve) => setTimeout(resolve, WRITE_PAUSE_MS));
      }
    }),
  );
  // Let the last pushes land.
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
  const delivered = latencies.length;
  const inOrder = subscribers.every((subscriber) =>
    subscriber.held.every((seq, index) => seq === (subscriber.held[index - 1] ?? 1) + 1),
  );
  for (const subscriber of subscribers) subscriber.socket.close();
  const latency = summarize(latencies);
  const figures = {
    push_subscribers: subscribers.length,
    push_writers: sessions.length,
    push_appends: appends,
    push_deliveries: delivered,
    push_missing: missing,
    push_repeats_dropped: subscribers.reduce((sum, s) => sum + s.repeats, 0),
    push_in_order: inOrder,
    push_latency_p50_ms: latency.p50,
    push_latency_p95_ms: latency.p95,
    push_latency_p99_ms: latency.p99,
    push_messages_posted: (ctx.stack.stream?.connections.posted ?? 0) - posted,
    push_dynamodb_requests: ctx.counters.dynamoRequests,
    push_dynamodb_requests_per_delivered_event: round(
      ctx.counters.dynamoRequests / Math.max(1, delivered),
      3,
    ),
    push_dynamodb_requests_per_append: round(ctx.counters.dynamoRequests / Math.max(1, appends), 2),
  };
  console.table(figures);
  return figures;
}
