/**
 * Clients written the way the source specifications describe them, against
 * the running stack: a poller that follows `since` with the previous
 * answer's `server_time`, oldest first and newest first, while several
 * writers append; and many writers appending back to back to one session.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { ApiError, type RouteAnswer, type RouteInput } from "#shared/client/client.ts";
import { appendEventsRoute, listEventsRoute } from "#shared/contract/routes/events.ts";
import { startSessionRoute } from "#shared/contract/routes/sessions.ts";
import { newKey, uniqueTenant, uniqueUser } from "../../support/api.ts";
import { stackClient } from "../../support/client.ts";

type EventQuery = RouteInput<typeof listEventsRoute>["query"];
type EventBody = RouteAnswer<typeof listEventsRoute>["body"]["items"][number];

let app: string;

beforeAll(async () => {
  app = await newKey(uniqueTenant("clients"), "app");
});

async function newSession(): Promise<string> {
  const answer = await stackClient(app).call(startSessionRoute, {
    body: { user_id: uniqueUser(), performer_id: "worker" },
  });
  expect(answer.status).toBe(201);
  return answer.body.session.session_id;
}

async function page(id: string, query: EventQuery) {
  const answer = await stackClient(app).call(listEventsRoute, { params: { id }, query });
  expect(answer.status).toBe(200);
  return answer.body;
}

/** Appends batches back to back until `stop()`; returns every acknowledged event. */
async function writer(
  id: string,
  batch: number,
  stop: () => boolean,
  statuses: number[],
  retryAfter: (string | null)[] = [],
): Promise<EventBody[]> {
  const acknowledged: EventBody[] = [];
  while (!stop()) {
    const answer = await stackClient(app)
      .call(appendEventsRoute, {
        params: { id },
        body: {
          events: Array.from({ length: batch }, (_, index) => ({
            event_type: "info",
            message: `event ${index}`,
          })),
        },
      })
      .catch((error: unknown) => {
        if (error instanceof ApiError) return error;
        throw error;
      });
    statuses.push(answer.status);
    if (answer instanceof ApiError) retryAfter.push(answer.headers.get("retry-after"));
    else acknowledged.push(...answer.body.items);
  }
  return acknowledged;
}

/**
 * The events specification's client: it remembers the answer's `server_time`
 * and asks for `since` it next time; oldest first, and when `has_more` is
 * true it goes on from the last item's timestamp at once.
 */
async function sincePollerAscending(id: string, limit: number, stop: () => boolean) {
  const seen: EventBody[] = [];
  let since: string | undefined;
  for (let draining = false; ; ) {
    const body = await page(id, { order: "asc", limit, ...(since ? { since } : {}) });
    seen.push(...body.items);
    const last = body.items[body.items.length - 1];
    since = body.has_more && last ? last.timestamp : body.server_time;
    if (body.has_more) continue;
    if (draining) return seen;
    // One last poll after the writers finished picks up what committed meanwhile.
    if (stop()) draining = true;
  }
}

/**
 * The same client with the default newest-first order: when `has_more` is
 * true it pages back with `before` (keeping `since`), and continues from the
 * first page's `server_time`.
 */
async function sincePollerDescending(id: string, limit: number, stop: () => boolean) {
  const seen: EventBody[] = [];
  let since: string | undefined;
  for (let draining = false; ; ) {
    const sinceQuery = since ? { since } : {};
    const first = await page(id, { limit, ...sinceQuery });
    const batch = [...first.items];
    let more = first.has_more;
    while (more) {
      const oldest = batch[batch.length - 1];
      const older = await page(id, { limit, ...sinceQuery, before: oldest?.seq ?? 0 });
      batch.push(...older.items);
      more = older.has_more;
    }
    seen.push(...batch.reverse());
    since = first.server_time;
    if (draining) return seen;
    if (stop()) draining = true;
  }
}

function expectEachOnceInOrder(seen: EventBody[], expectedCount: number): void {
  expect(seen.map((event) => event.seq)).toEqual(
    Array.from({ length: expectedCount }, (_, index) => index + 1),
  );
  expect(new Set(seen.map((event) => event.record_id)).size).toBe(expectedCount);
}

describe("a since poller, as the events specification writes it", () => {
  it("sees every event once, in order, oldest first and newest first, while three writers append", async () => {
    const id = await newSession();
    let stopped = false;
    const stop = () => stopped;
    const statuses: number[] = [];
    let written = false;
    const done = () => written;
    const writers = Promise.all([1, 2, 3].map((size) => writer(id, size, stop, statuses)));
    void writers.finally(() => {
      written = true;
    });
    const pollers = Promise.all([
      sincePollerAscending(id, 1000, done),
      // A small limit makes has_more the rule rather than the exception.
      sincePollerAscending(id, 4, done),
      sincePollerDescending(id, 100, done),
      sincePollerDescending(id, 3, done),
    ]);
    await expect
      .poll(() => statuses.length, { timeout: 60_000, interval: 100 })
      .toBeGreaterThan(150);
    stopped = true;
    const acknowledged = (await writers).flat();
    const seen = await pollers;
    expect(statuses.every((status) => status === 201)).toBe(true);
    const total = 1 + acknowledged.length;
    for (const poller of seen) expectEachOnceInOrder(poller, total);
  });

  it("answers server_time no later than the newest event it covers, so a client's next since loses nothing", async () => {
    const id = await newSession();
    const first = await page(id, { order: "asc" });
    expect(first.items.map((event) => event.seq)).toEqual([1]);
    expect(first.server_time).toBe(first.items[0]?.timestamp);
    const appended = await stackClient(app).call(appendEventsRoute, {
      params: { id },
      body: { events: [{ event_type: "info" }, { event_type: "warning" }] },
    });
    expect(appended.status).toBe(201);
    const next = await page(id, { order: "asc", since: first.server_time });
    expect(next.items.map((event) => event.seq)).toEqual([2, 3]);
    expect(next.server_time).toBe(appended.body.items[1]?.timestamp);
  });
});

describe("many writers on one session", () => {
  it("takes 10 writers appending back to back with no error, seqs gap-free and each batch contiguous", async () => {
    const id = await newSession();
    const statuses: number[] = [];
    const deadline = Date.now() + 15_000;
    const stop = () => Date.now() > deadline;
    let written = false;
    const afterPoller = (async () => {
      const seen: number[] = [];
      let after = 0;
      for (let draining = false; ; ) {
        const body = await page(id, { after, order: "asc", limit: 1000 });
        seen.push(...body.items.map((event) => event.seq));
        after = body.items[body.items.length - 1]?.seq ?? after;
        if (body.has_more) continue;
        if (draining) return seen;
        if (written) draining = true;
      }
    })();
    const batches = await Promise.all(
      Array.from({ length: 10 }, () => writer(id, 3, stop, statuses)),
    );
    written = true;
    const seen = await afterPoller;
    expect(statuses.filter((status) => status !== 201)).toEqual([]);
    const acknowledged = batches.flat();
    const total = 1 + acknowledged.length;
    expect(seen).toEqual(Array.from({ length: total }, (_, index) => index + 1));
    const seqs = acknowledged.map((event) => event.seq).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: total - 1 }, (_, index) => index + 2));
  });

  it("refuses 50 writers only with a 503 and Retry-After that committed nothing", async () => {
    const id = await newSession();
    const statuses: number[] = [];
    const retryAfter: (string | null)[] = [];
    const deadline = Date.now() + 8000;
    const batches = await Promise.all(
      Array.from({ length: 50 }, () =>
        writer(id, 3, () => Date.now() > deadline, statuses, retryAfter),
      ),
    );
    expect(statuses.filter((status) => status !== 201 && status !== 503)).toEqual([]);
    expect(retryAfter.every((value) => value !== null && Number(value) >= 1)).toBe(true);
    const acknowledged = batches.flat().length;
    expect(acknowledged).toBeGreaterThan(0);
    // Nothing a refused append sent is stored: the session holds exactly what was acknowledged.
    const latest = await page(id, { limit: 1 });
    expect(latest.latest_seq).toBe(1 + acknowledged);
  });
});
