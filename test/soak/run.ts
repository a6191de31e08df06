/**
 * `npm run soak`: a loopback load run against `npm start`. Starts the stack
 * as `npm start` does (a child process, rate limit off, its own data dir),
 * then sends a mixed, open-loop stream of requests at a fixed rate to
 * 127.0.0.1 only: starts and ends, appends, polls, uploads and investigates.
 * Reports throughput, latency percentiles per route, the error rate, 5xx
 * answers and lost events (every acknowledged append is looked up at the
 * end). Writes the figures as JSON to $SOAK_OUT (default `.data/soak.json`)
 * and exits non-zero on any 5xx or lost event.
 *
 * SOAK_SECONDS (default 60), SOAK_RPS (default 40), SOAK_USERS (default 60). The stack on a
 * 2-core machine tops out near 50 req/s of this mix (DynamoDB Local is the bound).
 */
import type { ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { Agent, setGlobalDispatcher } from "undici";
import * as z from "zod";
import { startStackProcess, stopStackProcess } from "../support/stack-process.ts";

const Env = z.object({
  SOAK_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  SOAK_RPS: z.coerce.number().min(1).max(5000).default(40),
  SOAK_USERS: z.coerce.number().int().min(2).max(10_000).default(60),
  SOAK_OUT: z.string().default(".data/soak.json"),
});

/** Share of the request stream per kind of request (starts are paired with ends). */
const MIX = [
  { kind: "start", weight: 8 },
  { kind: "end", weight: 7 },
  { kind: "append", weight: 40 },
  { kind: "poll", weight: 30 },
  { kind: "upload", weight: 5 },
  { kind: "investigate", weight: 10 },
] as const;
type Kind = (typeof MIX)[number]["kind"];

const ROUTE_OF: Record<Kind, string> = {
  start: "POST /sessions",
  end: "POST /sessions/{id}/end",
  append: "POST /sessions/{id}/events",
  poll: "GET /sessions/{id}/events",
  upload: "POST /sessions/{id}/uploads (+ PUT to S3)",
  investigate: "GET /sessions/{id}/investigate",
};

/** More requests than this in flight means the stack cannot keep up: further ones are skipped. */
const MAX_IN_FLIGHT = 512;

interface RouteStats {
  latenciesMs: number[];
  byStatus: Map<number, number>;
}

interface TrackedSession {
  id: string;
  user: string;
  open: boolean;
  /** Poll cursor: the seq of the last event a poll returned. */
  cursor: number;
  /** seq -> message of every event an append was acknowledged for. */
  acknowledged: Map<number, string>;
}

class SoakRun {
  readonly stats = new Map<Kind, RouteStats>();
  readonly sessions: TrackedSession[] = [];
  readonly idleUsers: string[] = [];
  inFlight = 0;
  skipped = 0;
  /** Poll answers whose items were not exactly cursor+1, cursor+2, …: must stay 0. */
  pollGaps = 0;
  networkErrors = 0;
  private messageCounter = 0;

  constructor(
    readonly baseUrl: string,
    readonly key: string,
    users: number,
  ) {
    for (let index = 0; index < users; index += 1) this.idleUsers.push(`soak-user-${index}`);
  }

  record(kind: Kind, status: number, startedAt: number): void {
    const stats = this.stats.get(kind) ?? { latenciesMs: [], byStatus: new Map<number, number>() };
    stats.latenciesMs.push(performance.now() - startedAt);
    stats.byStatus.set(status, (stats.byStatus.get(status) ?? 0) + 1);
    this.stats.set(kind, stats);
  }

  async call(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; json: Record<string, unknown> }> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        "X-API-Key": this.key,
        ...(body === undefined ? {} : { "Content-Type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      redirect: "manual",
    });
    const text = await response.text();
    return {
      status: response.status,
      json: text ? (JSON.parse(text) as Record<string, unknown>) : {},
    };
  }

  private pick<T>(items: T[]): T | undefined {
    return items[Math.floor(Math.random() * items.length)];
  }

  /** The request a tick sends; another kind when the sessions' state does not allow this one. */
  choose(): Kind {
    let roll = Math.random() * MIX.reduce((sum, entry) => sum + entry.weight, 0);
    let kind: Kind = "append";
    for (const entry of MIX) {
      roll -= entry.weight;
      if (roll < 0) {
        kind = entry.kind;
        break;
      }
    }
    if (kind === "start" && this.idleUsers.length === 0) return "append";
    if (kind === "end" && this.sessions.filter((session) => session.open).length <= 1) {
      return "append";
    }
    return kind;
  }

  /** Opens sessions for half the users before the measured run, so traffic spreads from the start. */
  async warmUp(): Promise<void> {
    const count = Math.floor(this.idleUsers.length / 2);
    for (let index = 0; index < count; index += 1) {
      const status = await this.perform("start");
      if (status !== 201) throw new Error(`warm-up start answered ${status}`);
    }
  }

  async send(kind: Kind): Promise<void> {
    const startedAt = performance.now();
    let status = 0;
    try {
      status = await this.perform(kind);
    } catch {
      this.networkErrors += 1;
    }
    this.record(kind, status, startedAt);
  }

  async perform(kind: Kind): Promise<number> {
    switch (kind) {
      case "start": {
        const user = this.idleUsers.pop();
        if (!user) return 0;
        const answer = await this.call("POST", "/sessions", {
          user_id: user,
          performer_id: "soak",
          ttl_seconds: 3600,
        });
        if (answer.status === 201) {
          const id = String((answer.json.session as { session_id: string }).session_id);
          this.sessions.push({ id, user, open: true, cursor: 0, acknowledged: new Map() });
        } else {
          this.idleUsers.push(user);
        }
        return answer.status;
      }
      case "end": {
        const session = this.pick(this.sessions.filter((candidate) => candidate.open));
        if (!session) return 0;
        session.open = false;
        const answer = await this.call("POST", `/sessions/${session.id}/end`, {
          user_id: session.user,
          performer_id: "soak",
        });
        if (answer.status === 200) this.idleUsers.unshift(session.user);
        else session.open = true;
        return answer.status;
      }
      case "append": {
        // Ended sessions accept events too (workers report after the app ends).
        const session = this.pick(this.sessions);
        if (!session) return 0;
        const count = 1 + Math.floor(Math.random() * 10);
        const messages = Array.from({ length: count }, () => {
          this.messageCounter += 1;
          return `soak-${this.messageCounter}`;
        });
        const answer = await this.call("POST", `/sessions/${session.id}/events`, {
          events: messages.map((message, index) => ({
            event_type: index % 5 === 4 ? "warning" : "info",
            message,
            event_data: { n: index },
          })),
        });
        if (answer.status === 201) {
          const first = Number(answer.json.first_seq);
          messages.forEach((message, index) => {
            session.acknowledged.set(first + index, message);
          });
        }
        return answer.status;
      }
      case "poll": {
        const session = this.pick(this.sessions);
        if (!session) return 0;
        const answer = await this.call(
          "GET",
          `/sessions/${session.id}/events?after=${session.cursor}&order=asc&limit=1000`,
        );
        if (answer.status === 200) {
          const items = (answer.json.items ?? []) as { seq: number }[];
          for (const item of items) {
            // Concurrent polls of one session may overlap; each must continue the cursor it used.
            if (item.seq <= session.cursor) continue;
            if (item.seq !== session.cursor + 1) this.pollGaps += 1;
            session.cursor = item.seq;
          }
        }
        return answer.status;
      }
      case "upload": {
        const session = this.pick(this.sessions);
        if (!session) return 0;
        const log = `${new Date().toISOString()} INFO step ok\n`.repeat(200);
        const ticket = await this.call("POST", `/sessions/${session.id}/uploads`, {
          path: "logs/run.log",
          content_type: "text/plain",
          size_bytes: Buffer.byteLength(log),
        });
        if (ticket.status !== 201) return ticket.status;
        const url = new URL(String(ticket.json.url));
        if (url.hostname !== "127.0.0.1") throw new Error(`refusing to PUT to ${url.hostname}`);
        const put = await fetch(url, {
          method: "PUT",
          headers: ticket.json.headers as Record<string, string>,
          body: log,
        });
        await put.arrayBuffer();
        return put.status === 200 ? ticket.status : put.status;
      }
      case "investigate": {
        const session = this.pick(this.sessions);
        if (!session) return 0;
        return (await this.call("GET", `/sessions/${session.id}/investigate?log_lines=20`)).status;
      }
    }
  }

  /** Every acknowledged event, looked up by seq in a full read of its session. */
  async lostEvents(): Promise<{ checked: number; lost: number; gaps: number }> {
    let checked = 0;
    let lost = 0;
    let gaps = 0;
    for (const session of this.sessions) {
      const stored = new Map<number, string | null>();
      let after = 0;
      for (;;) {
        const page = await this.call(
          "GET",
          `/sessions/${session.id}/events?after=${after}&order=asc&limit=1000`,
        );
        if (page.status !== 200) throw new Error(`final read answered ${page.status}`);
        const items = (page.json.items ?? []) as { seq: number; message: string | null }[];
        for (const item of items) stored.set(item.seq, item.message);
        const last = items[items.length - 1];
        if (!last || !page.json.has_more) break;
        after = last.seq;
      }
      const seqs = [...stored.keys()].sort((a, b) => a - b);
      if (seqs.some((seq, index) => seq !== index + 1)) gaps += 1;
      for (const [seq, message] of session.acknowledged) {
        checked += 1;
        if (stored.get(seq) !== message) lost += 1;
      }
    }
    return { checked, lost, gaps };
  }
}

function percentile(sorted: number[], fraction: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? 0;
}

async function startStack(dataDir: string): Promise<{ child: ChildProcess; baseUrl: string }> {
  const { child, baseUrl } = await startStackProcess(dataDir, {
    EXPIRY_INTERVAL_SECONDS: process.env.EXPIRY_INTERVAL_SECONDS ?? "60",
  });
  if (new URL(baseUrl).hostname !== "127.0.0.1") {
    await stopStackProcess(child);
    throw new Error(`the stack listens on ${baseUrl}; the soak only sends to 127.0.0.1`);
  }
  return { child, baseUrl };
}

const stopStack = stopStackProcess;

async function main(): Promise<void> {
  // `npm run soak -- push`: churn on the push stream instead of the request mix.
  if (process.argv.includes("push")) return (await import("./push.ts")).soakPush();
  const env = Env.parse(process.env);
  setGlobalDispatcher(new Agent({ connections: 256, keepAliveTimeout: 10_000 }));
  const dataDir = mkdtempSync(join(tmpdir(), "session-trail-soak-"));
  const { child, baseUrl } = await startStack(dataDir);
  const stopOnSignal = () => {
    void stopStack(child).then(() => process.exit(130));
  };
  process.once("SIGINT", stopOnSignal);
  process.once("SIGTERM", stopOnSignal);
  try {
    const key = readFileSync(join(dataDir, "dev-api-key"), "utf8").trim();
    const run = new SoakRun(baseUrl, key, env.SOAK_USERS);
    await run.warmUp();
    console.log(
      `soak: ${env.SOAK_RPS} req/s for ${env.SOAK_SECONDS} s against ${baseUrl} (${cpus().length} cores, load ${loadavg()[0]?.toFixed(1)})`,
    );
    const pending = new Set<Promise<void>>();
    const intervalMs = 1000 / env.SOAK_RPS;
    const begin = performance.now();
    const end = begin + env.SOAK_SECONDS * 1000;
    let scheduled = 0;
    // Open loop: request n goes out at begin + n × interval whatever the answers do.
    while (performance.now() < end) {
      const due = begin + scheduled * intervalMs;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((resolveTick) => setTimeout(resolveTick, wait));
      scheduled += 1;
      if (run.inFlight >= MAX_IN_FLIGHT) {
        run.skipped += 1;
        continue;
      }
      run.inFlight += 1;
      const request = run.send(run.choose()).finally(() => {
        run.inFlight -= 1;
        pending.delete(request);
      });
      pending.add(request);
    }
    await Promise.all(pending);
    const elapsedS = (performance.now() - begin) / 1000;
    const events = await run.lostEvents();

    let total = 0;
    let errors = 0;
    let serverErrors = 0;
    const routes: Record<string, unknown> = {};
    const rows: string[] = [];
    for (const { kind } of MIX) {
      const stats = run.stats.get(kind);
      if (!stats) continue;
      const sorted = [...stats.latenciesMs].sort((a, b) => a - b);
      const count = sorted.length;
      let routeErrors = 0;
      let route5xx = 0;
      for (const [status, n] of stats.byStatus) {
        if (status === 0 || status >= 400) routeErrors += n;
        if (status === 0 || status >= 500) route5xx += n;
      }
      total += count;
      errors += routeErrors;
      serverErrors += route5xx;
      const figures = {
        requests: count,
        per_second: Number((count / elapsedS).toFixed(1)),
        p50_ms: Number(percentile(sorted, 0.5).toFixed(1)),
        p95_ms: Number(percentile(sorted, 0.95).toFixed(1)),
        p99_ms: Number(percentile(sorted, 0.99).toFixed(1)),
        max_ms: Number((sorted[sorted.length - 1] ?? 0).toFixed(1)),
        errors: routeErrors,
        server_errors: route5xx,
        statuses: Object.fromEntries(stats.byStatus),
      };
      routes[ROUTE_OF[kind]] = figures;
      rows.push(
        `| ${ROUTE_OF[kind]} | ${figures.requests} | ${figures.per_second} | ${figures.p50_ms} | ${figures.p95_ms} | ${figures.p99_ms} | ${figures.errors} | ${figures.server_errors} |`,
      );
    }
    const report = {
      machine: { cpus: cpus().length, node: process.version, load_average: loadavg() },
      target_rps: env.SOAK_RPS,
      seconds: Number(elapsedS.toFixed(1)),
      requests: total,
      throughput_rps: Number((total / elapsedS).toFixed(1)),
      skipped_over_in_flight_cap: run.skipped,
      error_rate: total ? Number((errors / total).toFixed(5)) : 0,
      server_errors: serverErrors,
      network_errors: run.networkErrors,
      sessions: run.sessions.length,
      events_acknowledged: events.checked,
      events_lost: events.lost,
      sessions_with_seq_gaps: events.gaps,
      poll_gaps: run.pollGaps,
      routes,
    };
    console.log("| route | requests | req/s | p50 ms | p95 ms | p99 ms | errors | 5xx |");
    console.log("|---|---|---|---|---|---|---|---|");
    for (const row of rows) console.log(row);
    console.log(
      `total ${total} requests in ${report.seconds} s = ${report.throughput_rps} req/s (target ${env.SOAK_RPS}, skipped ${run.skipped}); error rate ${(report.error_rate * 100).toFixed(2)} %, 5xx ${serverErrors}; ${events.checked} acknowledged events checked, lost ${events.lost}, seq gaps ${events.gaps}, poll gaps ${run.pollGaps}`,
    );
    const out = resolve(env.SOAK_OUT);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`figures written to ${out}`);
    const failed =
      serverErrors > 0 || events.lost > 0 || events.gaps > 0 || run.pollGaps > 0 || run.skipped > 0;
    process.exitCode = failed ? 1 : 0;
  } finally {
    await stopStack(child);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(`soak failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
