import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { ApiError, type RouteAnswer, type RouteInput } from "#shared/client/client.ts";
import { tableName } from "#shared/config.ts";
import { appendEventsRoute, listEventsRoute } from "#shared/contract/routes/events.ts";
import {
  endSessionRoute,
  getSessionRoute,
  startSessionRoute,
} from "#shared/contract/routes/sessions.ts";
import { dynamo } from "#shared/storage/clients.ts";
import { keys } from "#shared/storage/keys.ts";
import { api, newKey, uniqueTenant, uniqueUser, useStackStorage } from "../support/api.ts";
import { answerText, refusal, stackClient } from "../support/client.ts";

type EventQuery = RouteInput<typeof listEventsRoute>["query"];
type NewEvent = RouteInput<typeof appendEventsRoute>["body"]["events"][number];
type EventBody = RouteAnswer<typeof listEventsRoute>["body"]["items"][number];
interface ErrorAnswer {
  error_code: string;
  message: string;
  details: Record<string, unknown>;
}

let tenant: string;
let app: string;
let support: string;
let admin: string;

beforeAll(async () => {
  useStackStorage();
  tenant = uniqueTenant("events");
  [app, support, admin] = await Promise.all([
    newKey(tenant, "app"),
    newKey(tenant, "support"),
    newKey(tenant, "admin"),
  ]);
});

async function newSession(): Promise<{ id: string; user: string }> {
  const user = uniqueUser();
  const answer = await stackClient(app).call(startSessionRoute, {
    body: { user_id: user, performer_id: "worker" },
  });
  expect(answer.status).toBe(201);
  return { id: answer.body.session.session_id, user };
}

function append(id: string, events: NewEvent[], key = app) {
  return stackClient(key).call(appendEventsRoute, { params: { id }, body: { events } });
}

/** Events with fields or types the event schema does not have, which the typed client will not send. */
function appendRaw(id: string, events: Record<string, unknown>[]) {
  return api<ErrorAnswer>("POST", `/sessions/${id}/events`, { key: app, body: { events } });
}

async function appendMany(id: string, count: number, type = "info"): Promise<void> {
  for (let done = 0; done < count; ) {
    const batch = Math.min(99, count - done);
    const answer = await stackClient(app).call(appendEventsRoute, {
      params: { id },
      body: {
        events: Array.from({ length: batch }, (_, index) => ({
          event_type: type,
          message: `m${done + index}`,
        })),
      },
    });
    expect(answer.status).toBe(201);
    done += batch;
  }
}

function events(id: string, query: EventQuery = {}, key = app) {
  return stackClient(key).call(listEventsRoute, { params: { id }, query });
}

/** A query outside the route's types (an unknown or repeated parameter), sent as written. */
function eventsRaw(id: string, query: string) {
  return api<ErrorAnswer>("GET", `/sessions/${id}/events?${query}`, { key: app });
}

async function storedEvents(id: string) {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await dynamo().send(
      new QueryCommand({
        TableName: tableName(),
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :e)",
        ExpressionAttributeValues: { ":pk": keys.sessionPartition(tenant, id), ":e": "E#" },
        ConsistentRead: true,
        ExclusiveStartKey: start,
      }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

describe("appending", () => {
  it("assigns record ids, consecutive seqs after the start event, server timestamps and source api", async () => {
    const { id } = await newSession();
    const answer = await append(id, [
      { event_type: "step_started", step_id: "convert", message: "go", event_data: { a: 1 } },
      { event_type: "info", performer_id: "blender-worker" },
    ]);
    expect(answer.status).toBe(201);
    expect(answer.body.first_seq).toBe(2);
    expect(answer.body.last_seq).toBe(3);
    expect(answer.body.items.map((item) => item.seq)).toEqual([2, 3]);
    expect(answer.body.items[0]).toMatchObject({
      source: "api",
      event_type: "step_started",
      event_data: { a: 1 },
    });
    expect(answer.body.items[1]?.performer_id).toBe("blender-worker");
    expect(new Set(answer.body.items.map((item) => item.record_id)).size).toBe(2);
    const page = await events(id, { order: "asc" });
    expect(page.body.items.map((item) => item.event_type)).toEqual([
      "session_started",
      "step_started",
      "info",
    ]);
    expect(page.body.latest_seq).toBe(3);
  });

  it.each([
    [{ event_type: "session_ended" }, "event_type"],
    [{ event_type: "Bad Type" }, "event_type"],
  ])("rejects %j with a 400 naming %s and writes nothing", async (event, field) => {
    const { id } = await newSession();
    const answer = await refusal(append(id, [{ event_type: "info" }, event]));
    expect(answer.status).toBe(400);
    expect(answer.error_code).toBe("VALIDATION_ERROR");
    expect(answer.message).toContain(field);
    expect(await storedEvents(id)).toHaveLength(1);
  });

  it.each([
    [{ event_type: "info", seq: 7 }, "seq"],
    [{ event_type: "info", record_id: "x" }, "record_id"],
    [{ event_type: "info", timestamp: "2026-01-01T00:00:00.000Z" }, "timestamp"],
    [{ event_type: "info", source: "session_manager" }, "source"],
    [{ event_type: "info", event_data: [1, 2] }, "event_data"],
  ])("rejects %j with a 400 naming %s and writes nothing", async (event, field) => {
    const { id } = await newSession();
    const answer = await appendRaw(id, [{ event_type: "info" }, event]);
    expect(answer.status).toBe(400);
    expect(answer.body.error_code).toBe("VALIDATION_ERROR");
    expect(answer.body.message).toContain(field);
    expect(await storedEvents(id)).toHaveLength(1);
  });

  it("answers 413 naming the event index for an oversized event_data or message", async () => {
    const { id } = await newSession();
    const bigData = await refusal(
      append(id, [
        { event_type: "info" },
        { event_type: "info", event_data: { blob: "x".repeat(64 * 1024) } },
      ]),
    );
    expect(bigData.status).toBe(413);
    expect(bigData.error_code).toBe("PAYLOAD_TOO_LARGE");
    expect(bigData.details?.index).toBe(1);
    expect(bigData.message).toContain("events[1]");
    const bigMessage = await refusal(
      append(id, [{ event_type: "info", message: "é".repeat(2100) }]),
    );
    expect(bigMessage.status).toBe(413);
    expect(bigMessage.details?.index).toBe(0);
    expect(await storedEvents(id)).toHaveLength(1);
  });

  it("accepts 1..99 events per request and rejects an empty or larger batch", async () => {
    const { id } = await newSession();
    expect((await refusal(append(id, []))).status).toBe(400);
    expect(
      (
        await refusal(
          append(
            id,
            Array.from({ length: 100 }, () => ({ event_type: "info" })),
          ),
        )
      ).status,
    ).toBe(400);
    const full = await append(
      id,
      Array.from({ length: 99 }, () => ({ event_type: "info" })),
    );
    expect(full.status).toBe(201);
    expect(full.body.last_seq).toBe(100);
  });

  it("keeps event_data exactly as sent, whatever its nesting or numbers", async () => {
    const { id } = await newSession();
    let deep: Record<string, unknown> = { leaf: 9.999999999999998e125, tiny: -1e-130, zero: 0 };
    for (let depth = 0; depth < 40; depth += 1) deep = { nested: deep };
    const data = { deep, unicode: "ünïcødé ✓", empty: "", list: [1, "two", null, { three: 3 }] };
    const answer = await append(id, [{ event_type: "info", event_data: data }]);
    expect(answer.status).toBe(201);
    const page = await events(id, { after: 1, order: "asc" });
    expect(page.body.items[0]?.event_data).toEqual(data);
  });

  it.each([
    ['{"n":1e309}', "events.0.event_data.n"],
    ['{"n":-1e309}', "events.0.event_data.n"],
    ['{"n":1e126}', "events.0.event_data.n"],
    ['{"list":[1,2e-131]}', "events.0.event_data.list.1"],
    ['{"__proto__":{"admin":true}}', "events.0.event_data.__proto__"],
    ['{"a":[{"__proto__":1}]}', "events.0.event_data.a.0.__proto__"],
    ['{"id":9007199254740993}', "events.0.event_data.id"],
    ['{"ids":[1,-12345678901234567890]}', "events.0.event_data.ids.1"],
  ])("refuses event_data %s with 400 naming %s and stores nothing", async (data, field) => {
    const { id } = await newSession();
    // Literals JSON.stringify cannot write (or would lose): the body goes raw.
    const answer = await api<ErrorAnswer>("POST", `/sessions/${id}/events`, {
      key: app,
      rawBody: `{"events":[{"event_type":"info","event_data":${data}}]}`,
      headers: { "Content-Type": "application/json" },
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error_code).toBe("VALIDATION_ERROR");
    expect(answer.body.message).toContain(field);
    expect((await events(id)).body.latest_seq).toBe(1);
  });

  it("keeps integers a double holds exactly as they were sent, however large", async () => {
    const { id } = await newSession();
    // Integers beyond a double's exact range, written as sent: the body goes raw.
    const answer = await api("POST", `/sessions/${id}/events`, {
      key: app,
      rawBody:
        '{"events":[{"event_type":"info","event_data":{"max":9007199254740991,"two53":9007199254740992,"big":100000000000000000000,"text":"9007199254740993"}}]}',
      headers: { "Content-Type": "application/json" },
    });
    expect(answer.status).toBe(201);
    const page = await events(id, { after: 1, order: "asc" });
    expect(page.body.items[0]?.event_data).toEqual({
      max: 9007199254740991,
      two53: 9007199254740992,
      big: 1e20,
      text: "9007199254740993",
    });
  });

  it("refuses a __proto__ member anywhere in any JSON body, naming where it was", async () => {
    const { id, user } = await newSession();
    // An own __proto__ member, which no object literal of the body types has: the bodies go raw.
    const started = await api<ErrorAnswer>("POST", "/sessions", {
      key: app,
      rawBody: `{"user_id":"${uniqueUser()}","performer_id":"w","__proto__":{"ttl_seconds":9}}`,
      headers: { "Content-Type": "application/json" },
    });
    expect(started.status).toBe(400);
    expect(started.body.message).toContain("__proto__");
    const ended = await api<ErrorAnswer>("POST", `/sessions/${id}/end`, {
      key: app,
      rawBody: `{"user_id":"${user}","performer_id":"w","__proto__":{}}`,
      headers: { "Content-Type": "application/json" },
    });
    expect(ended.status).toBe(400);
    expect(ended.body.message).toContain("__proto__");
    const read = await stackClient(app).call(getSessionRoute, { params: { id } });
    expect(read.body.status).toBe("active");
  });

  it("keeps constructor and prototype members of event_data as data", async () => {
    const { id } = await newSession();
    const data = { constructor: { name: "x" }, prototype: [1], toString: "s", hasOwnProperty: 1 };
    const answer = await append(id, [{ event_type: "info", event_data: data }]);
    expect(answer.status).toBe(201);
    const page = await events(id, { after: 1, order: "asc" });
    expect(page.body.items[0]?.event_data).toEqual(data);
  });

  it("accepts appends to an ended session, refuses them on an expired one (409) and a missing one (404)", async () => {
    const { id, user } = await newSession();
    const client = stackClient(app);
    await client.call(endSessionRoute, {
      params: { id },
      body: { user_id: user, performer_id: "p" },
    });
    expect((await append(id, [{ event_type: "info", message: "late log" }])).status).toBe(201);
    const missing = await refusal(append("sess_AAAAAAAAAAAAAAAAAAAAAA", [{ event_type: "info" }]));
    expect(missing.status).toBe(404);
    const shortUser = uniqueUser();
    const short = await client.call(startSessionRoute, {
      body: { user_id: shortUser, performer_id: "p", ttl_seconds: 1 },
    });
    const shortId = short.body.session.session_id;
    await expect
      .poll(() => Date.now() > Date.parse(short.body.session.expires_at), { timeout: 5000 })
      .toBe(true);
    // Starting again for the same user closes the overdue session on the spot.
    const restarted = await client.call(startSessionRoute, {
      body: { user_id: shortUser, performer_id: "p" },
    });
    expect(restarted.status).toBe(201);
    const expired = await client.call(getSessionRoute, { params: { id: shortId } });
    expect(expired.body).toMatchObject({ status: "expired", ended_by: "system" });
    const refused = await refusal(append(shortId, [{ event_type: "info" }]));
    expect(refused.status).toBe(409);
    expect(refused.error_code).toBe("SESSION_ALREADY_ENDED");
  });

  it("is refused to a support key", async () => {
    const { id } = await newSession();
    const answer = await refusal(append(id, [{ event_type: "info" }], support));
    expect(answer.status).toBe(403);
    expect(answer.error_code).toBe("FORBIDDEN");
  });
});

describe("querying", () => {
  let big: string;
  let small: string;

  beforeAll(async () => {
    big = (await newSession()).id;
    await appendMany(big, 499);
    small = (await newSession()).id;
    await appendMany(small, 19);
  });

  it("returns exactly limit items with the total of all matches (500 events, limit 50)", async () => {
    const page = await events(big, { limit: 50 });
    expect(page.status).toBe(200);
    expect(page.body).toMatchObject({
      session_id: big,
      total: 500,
      returned: 50,
      has_more: true,
      latest_seq: 500,
    });
    expect(page.body.items.map((item) => item.seq)).toEqual(
      Array.from({ length: 50 }, (_, index) => 500 - index),
    );
  });

  it("returns all 20 events of a small session for limit 50, and 100 by default", async () => {
    const page = await events(small, { limit: 50 });
    expect(page.body).toMatchObject({ total: 20, returned: 20, has_more: false, latest_seq: 20 });
    const byDefault = await events(big);
    expect(byDefault.body.returned).toBe(100);
  });

  it("filters by event_type with exact totals, before and after a seq", async () => {
    const { id } = await newSession();
    await append(id, [
      { event_type: "info" },
      { event_type: "error", message: "e1" },
      { event_type: "warning" },
      { event_type: "error", message: "e2" },
      { event_type: "error", message: "e3" },
    ]);
    const errors = await events(id, { event_type: "error", order: "asc" });
    expect(errors.body.items.map((item) => item.message)).toEqual(["e1", "e2", "e3"]);
    expect(errors.body.total).toBe(3);
    const after = await events(id, {
      event_type: "error",
      after: errors.body.items[0]?.seq ?? 0,
      order: "asc",
      limit: 1,
    });
    expect(after.body).toMatchObject({ total: 2, returned: 1, has_more: true });
    expect(after.body.items[0]?.message).toBe("e2");
    const before = await events(id, {
      event_type: "error",
      before: errors.body.items[2]?.seq ?? 0,
    });
    expect(before.body.items.map((item) => item.message)).toEqual(["e2", "e1"]);
    expect(before.body.total).toBe(2);
  });

  it("stamps every event of a batch later than the one before, so since is an exact cursor", async () => {
    const { id } = await newSession();
    const appended = await append(
      id,
      Array.from({ length: 10 }, (_, index) => ({ event_type: "info", message: `${index}` })),
    );
    const stamps = appended.body.items.map((item) => item.timestamp);
    expect([...stamps].sort()).toEqual(stamps);
    expect(new Set(stamps).size).toBe(10);
    const asc = await events(id, { order: "asc", after: 1 });
    expect(asc.body.items.map((item) => item.seq)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    // since is exclusive: from the fourth event's timestamp on, the six after it.
    const since = await events(id, { since: stamps[3] ?? "", order: "asc" });
    expect(since.body.items.map((item) => item.seq)).toEqual([6, 7, 8, 9, 10, 11]);
    expect(since.body.total).toBe(6);
    const last = await events(id, { since: stamps[9] ?? "" });
    expect(last.body.items).toHaveLength(0);
    expect(last.body.total).toBe(0);
    expect(last.body.server_time).toBe(stamps[9]);
  });

  it("answers a future since with an empty 200", async () => {
    const page = await events(small, { since: "2999-01-01T00:00:00.000Z" });
    expect(page.status).toBe(200);
    expect(page.body).toMatchObject({
      items: [],
      total: 0,
      returned: 0,
      has_more: false,
      latest_seq: 20,
    });
  });

  it.each<EventQuery>([
    { after: 999999999999 },
    { after: 999999999999, order: "asc" },
    { after: 999999999998, before: 999999999999 },
    { before: 0 },
    { before: 1, after: 0 },
    { after: 999999999999, event_type: "info" },
  ])("answers an empty 200 for a cursor past the end (%j)", async (query) => {
    const page = await events(small, query);
    expect(page.status).toBe(200);
    expect(page.body).toMatchObject({ items: [], total: 0, returned: 0, latest_seq: 20 });
  });

  it.each<[EventQuery, string]>([
    [{ since: "yesterday" }, "since"],
    [{ after: -1 }, "after"],
    [{ after: "abc" }, "after"],
    [{ before: 1.5 }, "before"],
    [{ limit: 0 }, "limit"],
    [{ limit: 1001 }, "limit"],
    [{ event_type: "Bad Type" }, "event_type"],
  ])("answers 400 for %j naming %s", async (query, name) => {
    const page = await refusal(events(small, query));
    expect(page.status).toBe(400);
    expect(page.error_code).toBe("VALIDATION_ERROR");
    expect(page.message).toContain(name);
  });

  it.each([
    ["order=up", "order"],
    ["page=2", "page"],
    ["limit=1&limit=2", "limit"],
  ])("answers 400 for %s naming %s", async (query, name) => {
    const page = await eventsRaw(small, query);
    expect(page.status).toBe(400);
    expect(page.body.error_code).toBe("VALIDATION_ERROR");
    expect(page.body.message).toContain(name);
  });

  it("answers 404 for another tenant's session and lets a support key read", async () => {
    const other = await newKey(uniqueTenant("other"), "admin");
    const read = (key: string, id: string) =>
      answerText(key, (client) => client.call(listEventsRoute, { params: { id } }));
    const foreign = await read(other, small);
    const missing = await read(app, "sess_AAAAAAAAAAAAAAAAAAAAAA");
    expect(foreign.status).toBe(404);
    expect(foreign.text).toBe(missing.text);
    expect((await events(small, {}, support)).status).toBe(200);
    expect((await events(small, {}, admin)).status).toBe(200);
  });
});

describe("polling while writers append", () => {
  it("shows every poller every event exactly once, in seq order (10 writers, 2,000 events, 5 pollers)", async () => {
    const { id } = await newSession();
    const writers = 10;
    const perWriter = 200;
    const batch = 10;
    let writing = true;
    const writer = async (index: number) => {
      for (let sent = 0; sent < perWriter; sent += batch) {
        for (;;) {
          const answer = await append(
            id,
            Array.from({ length: batch }, (_, offset) => ({
              event_type: "info",
              message: `w${index}-${sent + offset}`,
            })),
          ).catch((error: unknown) => {
            if (error instanceof ApiError) return error;
            throw error;
          });
          if (!(answer instanceof ApiError)) {
            expect(answer.status).toBe(201);
            break;
          }
          // A 503 after the server's bounded retries is the documented signal to retry.
          expect(answer.status).toBe(503);
          expect(answer.headers.get("retry-after")).toBeTruthy();
        }
      }
    };
    const poller = async () => {
      const seen: EventBody[] = [];
      let cursor = 0;
      for (;;) {
        const stillWriting = writing;
        const page = await events(id, { after: cursor, order: "asc", limit: 1000 });
        expect(page.status).toBe(200);
        for (const item of page.body.items) {
          seen.push(item);
          cursor = item.seq;
        }
        if (!stillWriting && !page.body.has_more && page.body.items.length === 0) return seen;
      }
    };
    const pollers = Array.from({ length: 5 }, () => poller());
    await Promise.all(Array.from({ length: writers }, (_, index) => writer(index)));
    writing = false;
    const results = await Promise.all(pollers);
    const total = 1 + writers * perWriter;
    const stored = (await storedEvents(id)).sort((a, b) => Number(a.seq) - Number(b.seq));
    expect(stored.map((item) => item.seq)).toEqual(
      Array.from({ length: total }, (_, index) => index + 1),
    );
    for (const seen of results) {
      expect(seen.map((item) => item.seq)).toEqual(
        Array.from({ length: total }, (_, index) => index + 1),
      );
      expect(seen.map((item) => item.record_id)).toEqual(stored.map((item) => item.record_id));
    }
    const messages = stored
      .map((item) => item.message)
      .filter((message) => typeof message === "string" && message.startsWith("w"));
    expect(new Set(messages).size).toBe(writers * perWriter);
  });
});
