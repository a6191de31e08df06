/**
 * `server_time` of GET /sessions/{id}/events is a watermark of what the read
 * saw: never the client's `since`, so a `since` in the future cannot push it
 * ahead of events still to commit, and a poller that sends it back next
 * loses nothing.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { RouteInput } from "#shared/client/client.ts";
import { appendEventsRoute, listEventsRoute } from "#shared/contract/routes/events.ts";
import { startSessionRoute } from "#shared/contract/routes/sessions.ts";
import { newKey, uniqueTenant, uniqueUser, useStackStorage } from "../support/api.ts";
import { stackClient } from "../support/client.ts";

type EventQuery = RouteInput<typeof listEventsRoute>["query"];

const FUTURE = "2999-01-01T00:00:00Z";
let key: string;

beforeAll(async () => {
  useStackStorage();
  key = await newKey(uniqueTenant("watermark"), "app");
});

async function startSession(): Promise<string> {
  const answer = await stackClient(key).call(startSessionRoute, {
    body: { user_id: uniqueUser("wm"), performer_id: "p" },
  });
  expect(answer.status).toBe(201);
  return answer.body.session.session_id;
}

async function append(id: string, count = 1) {
  const events = Array.from({ length: count }, (_, index) => ({
    event_type: "info",
    message: `m${index}`,
  }));
  const answer = await stackClient(key).call(appendEventsRoute, {
    params: { id },
    body: { events },
  });
  expect(answer.status).toBe(201);
  return answer.body.items;
}

async function read(id: string, query: EventQuery) {
  const answer = await stackClient(key).call(listEventsRoute, { params: { id }, query });
  expect(answer.status, JSON.stringify(query)).toBe(200);
  return answer.body;
}

describe("server_time", () => {
  it("stays at the newest event the read saw when since is in the future, in every kind of read", async () => {
    const id = await startSession();
    const newest = (await append(id, 2))[1];
    const since = { since: FUTURE };
    const queries: EventQuery[] = [
      since,
      { ...since, order: "asc" },
      { ...since, event_type: "info" },
    ];
    for (const query of queries) {
      const page = await read(id, query);
      expect(page.items, JSON.stringify(query)).toEqual([]);
      expect(page.server_time, JSON.stringify(query)).toBe(newest?.timestamp);
    }
    // A page that stops short of the newest event never claims more than it covers.
    const older = await read(id, { ...since, before: 2 });
    expect(older.items).toEqual([]);
    expect(older.server_time <= (newest?.timestamp ?? "")).toBe(true);

    const [newer] = await append(id);
    const after = await read(id, since);
    expect(after.server_time).toBe(newer?.timestamp);
  });

  it("lets a poller that was sent a future since continue from server_time without losing an event", async () => {
    const id = await startSession();
    await append(id);
    const first = await read(id, { since: FUTURE, order: "asc" });
    const appended = await append(id, 3);
    const next = await read(id, { since: first.server_time, order: "asc" });
    expect(next.items.map((item) => item.seq)).toEqual(appended.map((item) => item.seq));
    expect(next.server_time).toBe(appended[2]?.timestamp);
  });
});
