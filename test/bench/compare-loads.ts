/**
 * The loads of `npm run bench -- compare`, each only over routes and settings
 * both builds have, and the closed loop that runs them: every client sends its
 * next request as soon as the answer to its last one has arrived.
 */
import * as z from "zod";
import { percentile } from "./support.ts";

export interface Target {
  baseUrl: string;
  adminKey: string;
}

export interface Load {
  name: string;
  clients: number;
  /** Creates what the load reads on one stack; returns each client's request. */
  prepare: (target: Target) => Promise<(client: number) => Request>;
}

export interface LoadResult {
  requests: number;
  errors: number;
  elapsedMs: number;
  latencies: number[];
}

const Started = z.object({ session: z.object({ session_id: z.string() }) });
const Page = z.object({ latest_seq: z.number().int() });
const Ticket = z.object({ url: z.string(), headers: z.record(z.string(), z.string()) });

async function call(target: Target, method: string, path: string, body?: unknown) {
  const response = await fetch(`${target.baseUrl}${path}`, {
    method,
    headers: {
      "X-API-Key": target.adminKey,
      ...(body === undefined ? {} : { "Content-Type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text ? (JSON.parse(text) as unknown) : undefined;
}

let sessions = 0;
async function startSession(target: Target): Promise<string> {
  sessions += 1;
  const body = await call(target, "POST", "/sessions", {
    user_id: `compare-${process.pid}-${Date.now()}-${sessions}`,
    performer_id: "compare",
  });
  return Started.parse(body).session.session_id;
}

function oneEvent(n: number) {
  return {
    event_type: n % 10 === 0 ? "warning" : "info",
    step_id: "convert",
    message: `progress ${n}`,
    event_data: { n, stage: "convert", progress: n % 100 },
  };
}

/** A session with `count` events, written 99 at a time. */
async function sessionWithEvents(target: Target, count: number): Promise<string> {
  const id = await startSession(target);
  for (let written = 0; written < count; written += 99) {
    const batch = Math.min(99, count - written);
    const events = Array.from({ length: batch }, (_, index) => oneEvent(written + index));
    await call(target, "POST", `/sessions/${id}/events`, { events });
  }
  return id;
}

async function upload(target: Target, id: string, path: string, body: Buffer, type: string) {
  const ticket = Ticket.parse(
    await call(target, "POST", `/sessions/${id}/uploads`, {
      path,
      content_type: type,
      size_bytes: body.length,
    }),
  );
  const put = await fetch(ticket.url, { method: "PUT", headers: ticket.headers, body });
  await put.arrayBuffer();
  if (put.status !== 200) throw new Error(`upload of ${path}: ${put.status}`);
}

/** About `bytes` of JSON log lines, one ERROR in 1,000 and one WARNING in 50. */
function jsonLog(bytes: number): Buffer {
  const lines: string[] = [];
  let size = 0;
  for (let line = 1; size < bytes; line += 1) {
    let level = "INFO";
    if (line % 1000 === 0) level = "ERROR";
    else if (line % 50 === 0) level = "WARNING";
    const time = new Date(Date.UTC(2026, 10, 21, 12) + line * 7).toISOString();
    const text = `{"timestamp":"${time}","level":"${level}","logger":"blender.export","message":"Processed mesh chunk ${line}"}\n`;
    lines.push(text);
    size += text.length;
  }
  return Buffer.from(lines.join(""));
}

function get(target: Target, path: string): Request {
  return new Request(`${target.baseUrl}${path}`, { headers: { "X-API-Key": target.adminKey } });
}

export const LOADS: readonly Load[] = [
  {
    name: "poll ?after={latest seq}&order=asc",
    clients: 20,
    prepare: async (target) => {
      const id = await sessionWithEvents(target, 100);
      const page = await call(target, "GET", `/sessions/${id}/events?order=desc&limit=1`);
      const latest = Page.parse(page).latest_seq;
      // A poller that is up to date: each poll finds nothing new.
      return () => get(target, `/sessions/${id}/events?after=${latest}&order=asc`);
    },
  },
  {
    name: "newest 100 events",
    clients: 10,
    prepare: async (target) => {
      const id = await sessionWithEvents(target, 200);
      return () => get(target, `/sessions/${id}/events?order=desc&limit=100`);
    },
  },
  {
    name: "append 1 event, own session",
    clients: 5,
    prepare: async (target) => {
      const ids = await Promise.all(Array.from({ length: 5 }, () => startSession(target)));
      let n = 0;
      return (client) => {
        n += 1;
        return new Request(`${target.baseUrl}/sessions/${ids[client]}/events`, {
          method: "POST",
          headers: { "X-API-Key": target.adminKey, "Content-Type": "application/json" },
          body: JSON.stringify({ events: [oneEvent(n)] }),
        });
      };
    },
  },
  {
    name: "investigate, 4 MiB log",
    clients: 10,
    prepare: async (target) => {
      const id = await startSession(target);
      await upload(target, id, "logs/blender.log", jsonLog(4 * 1024 * 1024), "text/plain");
      const status = { status: "completed", stage: "export", exit_code: 0 };
      await upload(
        target,
        id,
        "status.json",
        Buffer.from(JSON.stringify(status)),
        "application/json",
      );
      // The first request counts the log once; the load measures the answers after it.
      await call(target, "GET", `/sessions/${id}/investigate?log_lines=20`);
      return () => get(target, `/sessions/${id}/investigate?log_lines=20`);
    },
  },
  {
    name: "get session",
    clients: 20,
    prepare: async (target) => {
      const id = await startSession(target);
      return () => get(target, `/sessions/${id}`);
    },
  },
];

/** Runs `clients` closed loops for `durationMs`; a non-2xx answer counts as an error. */
export async function closedLoop(
  clients: number,
  durationMs: number,
  request: (client: number) => Request,
): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  const until = started + durationMs;
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      while (performance.now() < until) {
        const sent = performance.now();
        const response = await fetch(request(client));
        await response.arrayBuffer();
        latencies.push(performance.now() - sent);
        if (response.status >= 300) errors += 1;
      }
    }),
  );
  return { requests: latencies.length, errors, elapsedMs: performance.now() - started, latencies };
}

/** Several rounds of one load on one stack, pooled. */
export function pooled(results: readonly LoadResult[]): {
  rps: number;
  p95: number;
  requests: number;
  errors: number;
} {
  const requests = results.reduce((sum, each) => sum + each.requests, 0);
  const elapsed = results.reduce((sum, each) => sum + each.elapsedMs, 0);
  const sorted = results.flatMap((each) => each.latencies).sort((a, b) => a - b);
  return {
    rps: (requests / elapsed) * 1000,
    p95: percentile(sorted, 95),
    requests,
    errors: results.reduce((sum, each) => sum + each.errors, 0),
  };
}
