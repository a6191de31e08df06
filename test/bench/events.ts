/**
 * Event polling under load: sessions of 100, 10,000 and 100,000 events, 100
 * pollers each asking `?after={cursor}&order=asc` every 2 s (the clients'
 * cadence; starts spread over the interval) for the run's duration; the same
 * Query straight to DynamoDB Local at the same cadence as the floor (and back
 * to back, one at a time); and the capacity: the 100 pollers with no pause.
 */
import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { tableName } from "#shared/config.ts";
import { dynamo } from "#shared/storage/clients.ts";
import { eventSk, keys, SESSION_SK } from "#shared/storage/keys.ts";
import { type BenchContext, json, progress, round, summarize } from "./support.ts";

const POLLERS = Number(process.env.BENCH_POLLERS ?? 100);
const DURATION_MS = Number(process.env.BENCH_POLL_SECONDS ?? 10) * 1000;
const INTERVAL_MS = Number(process.env.BENCH_POLL_INTERVAL_MS ?? 2000);
/** Events a typical poll picks up (a few seconds of a busy session). */
const NEW_EVENTS_PER_POLL = 10;
const SIZES = [100, 10_000, 100_000] as const;

async function seedSession(ctx: BenchContext, size: number): Promise<string> {
  const started = await json(ctx, "POST", "/sessions", {
    user_id: `bench-${size}-${Date.now()}`,
    performer_id: "bench",
    ttl_seconds: 604_800,
  });
  const body = started.body as { session: { session_id: string } };
  const id = body.session.session_id;
  let written = 1;
  while (written < size) {
    const batch = Math.min(99, size - written);
    const answer = await json(ctx, "POST", `/sessions/${id}/events`, {
      events: Array.from({ length: batch }, (_, index) => ({
        event_type: index % 10 === 0 ? "warning" : "info",
        step_id: "convert",
        message: `progress ${written + index}`,
        event_data: { n: written + index, stage: "convert", progress: (written + index) % 100 },
      })),
    });
    if (answer.status !== 201) throw new Error(`seeding failed with ${answer.status}`);
    written += batch;
    progress(`seeding ${size} events`, written, size);
  }
  return id;
}

type Probe = () => Promise<boolean>;

/**
 * 100 clients each running `probe` every `intervalMs` (starts spread over the
 * interval), or back to back when it is 0, for the run's duration.
 */
async function load(ctx: BenchContext, probe: Probe, intervalMs: number) {
  const latencies: number[] = [];
  let errors = 0;
  ctx.counters.reset();
  const deadline = performance.now() + DURATION_MS;
  const client = async (index: number) => {
    if (intervalMs > 0) await pause((intervalMs * index) / POLLERS);
    while (performance.now() < deadline) {
      const started = performance.now();
      const ok = await probe();
      latencies.push(performance.now() - started);
      if (!ok) errors += 1;
      if (intervalMs > 0) {
        // The next call is due one interval after this one started, if the run lasts that long.
        const next = started + intervalMs;
        if (next >= deadline) return;
        await pause(next - performance.now());
      }
    }
  };
  const began = performance.now();
  await Promise.all(Array.from({ length: POLLERS }, (_, index) => client(index)));
  const seconds = (performance.now() - began) / 1000;
  return {
    ...summarize(latencies),
    pollsPerSecond: round(latencies.length / seconds, 1),
    requestsPerPoll: round(ctx.counters.dynamoRequests / latencies.length, 3),
    readUnitsPerPoll: round(ctx.counters.dynamoReadUnits / latencies.length, 3),
    errors,
  };
}

/** One poll over HTTP, as a client does it. */
function poll(ctx: BenchContext, sessionId: string, size: number): Probe {
  const url = `${ctx.baseUrl}/sessions/${sessionId}/events?after=${size - NEW_EVENTS_PER_POLL}&order=asc`;
  return async () => {
    const response = await fetch(url, { headers: { "X-API-Key": ctx.adminKey } });
    const page = (await response.json()) as { returned?: number };
    return response.status === 200 && page.returned === NEW_EVENTS_PER_POLL;
  };
}

/** The same page straight from DynamoDB Local with the same Query: the floor under the endpoint. */
function bareQuery(ctx: BenchContext, sessionId: string, size: number): Probe {
  const query = new QueryCommand({
    TableName: tableName(),
    KeyConditionExpression: "pk = :pk AND sk BETWEEN :lo AND :hi",
    ExpressionAttributeValues: {
      ":pk": keys.sessionPartition(ctx.tenant, sessionId),
      ":lo": eventSk(size - NEW_EVENTS_PER_POLL + 1),
      ":hi": SESSION_SK,
    },
    ConsistentRead: true,
    Limit: 102,
  });
  return async () => {
    const result = await dynamo().send(query);
    return (result.Items?.length ?? 0) === NEW_EVENTS_PER_POLL + 1;
  };
}

async function serially(probe: Probe, samples = 300) {
  const latencies: number[] = [];
  for (let index = 0; index < samples; index += 1) {
    const started = performance.now();
    await probe();
    latencies.push(performance.now() - started);
  }
  return summarize(latencies);
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function benchEvents(ctx: BenchContext): Promise<Record<string, unknown>> {
  type Run = Awaited<ReturnType<typeof load>>;
  const bySize: Record<string, Run> = {};
  let bare: Run | undefined;
  let bareSerial: Awaited<ReturnType<typeof serially>> | undefined;
  let capacity: Run | undefined;
  for (const size of SIZES) {
    const id = await seedSession(ctx, size);
    // Warm the handlers and the authorizer cache before measuring.
    await json(ctx, "GET", `/sessions/${id}/events?after=${size - 1}&order=asc`);
    bySize[String(size)] = await load(ctx, poll(ctx, id, size), INTERVAL_MS);
    if (size === 10_000) {
      bare = await load(ctx, bareQuery(ctx, id, size), INTERVAL_MS);
      bareSerial = await serially(bareQuery(ctx, id, size));
      capacity = await load(ctx, poll(ctx, id, size), 0);
    }
  }
  const main = bySize["10000"];
  if (!main || !bare || !bareSerial) throw new Error("no 10,000-event run");
  console.log(
    `pollers: ${POLLERS}, one poll each every ${INTERVAL_MS} ms, ${DURATION_MS / 1000} s per size, ${NEW_EVENTS_PER_POLL} events per poll`,
  );
  console.table(
    Object.fromEntries(
      Object.entries(bySize).map(([size, run]) => [
        `${size} events`,
        {
          "p50 ms": run.p50,
          "p95 ms": run.p95,
          "p99 ms": run.p99,
          "polls/s": run.pollsPerSecond,
          "DynamoDB req/poll": run.requestsPerPoll,
          "RCU/poll": run.readUnitsPerPoll,
          errors: run.errors,
        },
      ]),
    ),
  );
  console.log(
    `bare DynamoDB Query for the same page, same clients and cadence: p50 ${bare.p50} ms, p95 ${bare.p95} ms (endpoint p50 / bare p50 = ${round(main.p50 / bare.p50)})`,
  );
  console.log(
    `bare DynamoDB Query back to back, one at a time: p50 ${bareSerial.p50} ms, p95 ${bareSerial.p95} ms`,
  );
  console.log(
    `capacity (${POLLERS} pollers back to back, 10,000 events): ${capacity?.pollsPerSecond} polls/s, p50 ${capacity?.p50} ms, p95 ${capacity?.p95} ms`,
  );
  return {
    "events.p50_ms": main.p50,
    "events.p95_ms": main.p95,
    "events.p99_ms": main.p99,
    "events.polls_per_second": main.pollsPerSecond,
    "events.requests_per_poll": main.requestsPerPoll,
    "events.read_units_per_poll": main.readUnitsPerPoll,
    "events.p95_ms_by_size": Object.fromEntries(
      Object.entries(bySize).map(([size, run]) => [size, run.p95]),
    ),
    "events.bare_query_p50_ms": bare.p50,
    "events.bare_query_serial_p50_ms": bareSerial.p50,
    "events.endpoint_to_bare_p50_ratio": round(main.p50 / bare.p50),
    "events.pollers": POLLERS,
    "events.poll_interval_ms": INTERVAL_MS,
    "events.capacity_polls_per_second": capacity?.pollsPerSecond,
    "events.capacity_p95_ms": capacity?.p95,
    "events.errors": Object.values(bySize).reduce((sum, run) => sum + run.errors, 0),
  };
}
