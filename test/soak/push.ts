/**
 * `npm run soak -- push`: churn on the push stream against `npm start`.
 * 50 subscribers follow a handful of busy sessions while writers append;
 * each subscriber drops its connection at random and resumes with a fresh
 * ticket and `after` = the last seq it holds, filling holes by GET. At the
 * end every subscriber must hold exactly 1..n of its session. Reports
 * messages received, events filled by GET and repeats dropped; exits
 * non-zero on any subscriber that holds anything else.
 *
 * SOAK_SECONDS (default 60), SOAK_PUSH_SESSIONS (5), SOAK_PUSH_SUBSCRIBERS (50).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import WebSocket from "ws";
import * as z from "zod";
import { SeqFollower } from "#infra/cli/session-trail/seq-follower.ts";
import { SessionEvent } from "#shared/contract/schemas/event.ts";
import { ServerMessage } from "#shared/contract/schemas/stream.ts";
import { startStackProcess, stopStackProcess } from "../support/stack-process.ts";

const Env = z.object({
  SOAK_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  SOAK_PUSH_SESSIONS: z.coerce.number().int().min(1).max(100).default(5),
  SOAK_PUSH_SUBSCRIBERS: z.coerce.number().int().min(1).max(1000).default(50),
});
const Page = z.object({ items: z.array(SessionEvent) });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Follower {
  sessionId: string;
  seqs: number[];
  follower: SeqFollower;
  messages: number;
  reconnects: number;
}

export async function soakPush(): Promise<void> {
  const env = Env.parse(process.env);
  const dataDir = mkdtempSync(join(tmpdir(), "session-trail-soak-push-"));
  const { child, baseUrl } = await startStackProcess(dataDir);
  const key = readFileSync(join(dataDir, "dev-api-key"), "utf8").trim();
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { "X-API-Key": key, ...(body ? { "Content-Type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: response.status, body: (await response.json()) as unknown };
  };
  let failed = true;
  try {
    const sessions: string[] = [];
    for (let index = 0; index < env.SOAK_PUSH_SESSIONS; index += 1) {
      const started = await call("POST", "/sessions", {
        user_id: `soak-push-${index}-${Date.now()}`,
        performer_id: "soak",
      });
      sessions.push((started.body as { session: { session_id: string } }).session.session_id);
    }
    const followers: Follower[] = Array.from({ length: env.SOAK_PUSH_SUBSCRIBERS }, (_, index) => {
      const sessionId = sessions[index % sessions.length] ?? "";
      const entry: Follower = {
        sessionId,
        seqs: [],
        messages: 0,
        reconnects: 0,
        follower: undefined as never,
      };
      entry.follower = new SeqFollower(
        0,
        async (after) => {
          const page = await call(
            "GET",
            `/sessions/${sessionId}/events?after=${after}&order=asc&limit=1000`,
          );
          const items = Page.parse(page.body).items;
          return { items, raw: items };
        },
        (event) => entry.seqs.push(event.seq),
      );
      return entry;
    });
    const end = performance.now() + env.SOAK_SECONDS * 1000;
    let appended = 0;
    const writers = sessions.map(async (sessionId) => {
      while (performance.now() < end) {
        const answer = await call("POST", `/sessions/${sessionId}/events`, {
          events: [{ event_type: "info", message: "soak" }],
        });
        if (answer.status === 201) appended += 1;
        await sleep(50);
      }
    });
    const churn = followers.map(async (entry) => {
      while (performance.now() < end) {
        await followFor(baseUrl, call, entry, 1000 + Math.random() * 4000);
        entry.reconnects += 1;
      }
    });
    await Promise.all([...writers, ...churn]);
    // Whatever a connection did not get before it closed is read the way a follower would.
    await Promise.all(followers.map((entry) => entry.follower.catchUp()));
    const bad = [];
    for (const entry of followers) {
      const latest = (
        (await call("GET", `/sessions/${entry.sessionId}`)).body as { last_seq: number }
      ).last_seq;
      const exact =
        entry.seqs.length === latest && entry.seqs.every((seq, index) => seq === index + 1);
      if (!exact) bad.push(entry.sessionId);
    }
    const figures = {
      seconds: env.SOAK_SECONDS,
      sessions: sessions.length,
      subscribers: followers.length,
      appends: appended,
      reconnects: followers.reduce((sum, entry) => sum + entry.reconnects, 0),
      messages_received: followers.reduce((sum, entry) => sum + entry.messages, 0),
      events_filled_by_get: followers.reduce((sum, entry) => sum + entry.follower.counts.filled, 0),
      repeats_dropped: followers.reduce((sum, entry) => sum + entry.follower.counts.repeats, 0),
      subscribers_not_holding_exactly_1_to_n: bad.length,
    };
    console.table(figures);
    failed = bad.length > 0;
  } finally {
    await stopStackProcess(child);
    rmSync(dataDir, { recursive: true, force: true });
  }
  process.exit(failed ? 1 : 0);
}

/** One connection: subscribe after the last seq held, follow for `ms`, then drop it. */
async function followFor(
  _baseUrl: string,
  call: (
    method: string,
    path: string,
    body?: unknown,
  ) => Promise<{ status: number; body: unknown }>,
  entry: Follower,
  ms: number,
): Promise<void> {
  const ticket = await call("POST", "/stream-tickets");
  if (ticket.status !== 201) {
    await sleep(200);
    return;
  }
  const socket = new WebSocket((ticket.body as { url: string }).url);
  let work = Promise.resolve();
  socket.on("message", (data) => {
    entry.messages += 1;
    const message = ServerMessage.parse(JSON.parse(data.toString()));
    if (message.type === "events") work = work.then(() => entry.follower.accept(message.items));
    if (message.type === "gap") work = work.then(() => entry.follower.gap(message.before));
  });
  socket.on("error", () => undefined);
  await new Promise<void>((resolve) => {
    socket.once("open", () => resolve());
    socket.once("close", () => resolve());
  });
  socket.send(
    JSON.stringify({
      action: "subscribe",
      session_id: entry.sessionId,
      after: entry.follower.last,
    }),
  );
  await sleep(ms);
  socket.terminate();
  await work;
}
