/**
 * Many writers on one session: 1, 10 and 50 clients each appending 3-event
 * batches back to back to the same session for the run's duration. Reports
 * committed events/s, append latency, 503s, and checks afterwards that the
 * session's seqs are gap-free, each batch contiguous and every acknowledged
 * event stored once.
 */
import { type BenchContext, json, round, summarize } from "./support.ts";

const SECONDS = Number(process.env.BENCH_APPEND_SECONDS ?? 20);
const WRITER_COUNTS = (process.env.BENCH_APPEND_WRITERS ?? "1,10,50")
  .split(",")
  .map((value) => Number(value));
const BATCH = 3;

interface RunFigures {
  writers: number;
  events_per_second: number;
  appends: number;
  p50_ms: number;
  p99_ms: number;
  unavailable_503: number;
  other_errors: number;
  retry_after_missing: number;
  gap_free: boolean;
}

async function run(ctx: BenchContext, writers: number): Promise<RunFigures> {
  const started = await json(ctx, "POST", "/sessions", {
    user_id: `bench-appends-${writers}-${Date.now()}`,
    performer_id: "bench",
    ttl_seconds: 3600,
  });
  const sessionId = (started.body as { session: { session_id: string } }).session.session_id;
  const latencies: number[] = [];
  const acknowledged: { first: number; last: number }[] = [];
  let unavailable = 0;
  let otherErrors = 0;
  let retryAfterMissing = 0;
  const deadline = performance.now() + SECONDS * 1000;
  const writer = async (index: number) => {
    let n = 0;
    while (performance.now() < deadline) {
      const began = performance.now();
      const response = await fetch(`${ctx.baseUrl}/sessions/${sessionId}/events`, {
        method: "POST",
        headers: { "X-API-Key": ctx.adminKey, "Content-Type": "application/json" },
        body: JSON.stringify({
          events: Array.from({ length: BATCH }, (_, k) => ({
            event_type: "info",
            message: `writer ${index} batch ${n} event ${k}`,
          })),
        }),
      });
      const text = await response.text();
      latencies.push(performance.now() - began);
      n += 1;
      if (response.status === 201) {
        const body = JSON.parse(text) as { first_seq: number; last_seq: number };
        acknowledged.push({ first: body.first_seq, last: body.last_seq });
      } else if (response.status === 503) {
        unavailable += 1;
        if (!response.headers.get("retry-after")) retryAfterMissing += 1;
      } else {
        otherErrors += 1;
      }
    }
  };
  const began = performance.now();
  await Promise.all(Array.from({ length: writers }, (_, index) => writer(index)));
  const elapsed = (performance.now() - began) / 1000;
  const gapFree = await checkSeqs(ctx, sessionId, acknowledged);
  const stats = summarize(latencies);
  return {
    writers,
    events_per_second: round((acknowledged.length * BATCH) / elapsed, 1),
    appends: latencies.length,
    p50_ms: stats.p50,
    p99_ms: stats.p99,
    unavailable_503: unavailable,
    other_errors: otherErrors,
    retry_after_missing: retryAfterMissing,
    gap_free: gapFree,
  };
}

/** Every seq 1..latest once, and each acknowledged batch exactly its own contiguous run. */
async function checkSeqs(
  ctx: BenchContext,
  sessionId: string,
  acknowledged: { first: number; last: number }[],
): Promise<boolean> {
  const seen: number[] = [];
  let after = 0;
  for (;;) {
    const page = await json(
      ctx,
      "GET",
      `/sessions/${sessionId}/events?after=${after}&order=asc&limit=1000`,
    );
    const body = page.body as { items: { seq: number }[]; has_more: boolean };
    for (const item of body.items) seen.push(item.seq);
    const last = body.items[body.items.length - 1];
    if (!body.has_more || !last) break;
    after = last.seq;
  }
  const contiguous = seen.every((seq, index) => seq === index + 1);
  const storedAcknowledged = acknowledged.every(
    (batch) => batch.last - batch.first === BATCH - 1 && batch.last <= seen.length,
  );
  const expected = 1 + acknowledged.length * BATCH;
  return contiguous && storedAcknowledged && seen.length === expected;
}

export async function benchAppends(ctx: BenchContext): Promise<Record<string, unknown>> {
  const runs: RunFigures[] = [];
  for (const writers of WRITER_COUNTS) {
    const figures = await run(ctx, writers);
    runs.push(figures);
    console.log(
      `${String(writers).padStart(3)} writers: ${figures.events_per_second} events/s, ` +
        `${figures.appends} appends, p50 ${figures.p50_ms} ms, p99 ${figures.p99_ms} ms, ` +
        `503 ${figures.unavailable_503}, other errors ${figures.other_errors}, ` +
        `gap-free ${figures.gap_free}`,
    );
  }
  return { appends: { seconds: SECONDS, batch: BATCH, runs } };
}
