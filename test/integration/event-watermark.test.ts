/**
 * `server_time` of GET /sessions/{id}/events is a watermark of what the read
 * saw: never the client's `since`, so a `since` in the future cannot push it
 * ahead of events still to commit, and a poller that sends it back next
 * loses nothing.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { api, newKey, uniqueTenant, uniqueUser, useStackStorage } from "../support/api.ts";

interface EventPage {
  items: { seq: number; timestamp: string }[];
  has_more: boolean;
  latest_seq: number;
  server_time: string;
}

const FUTURE = "2999-01-01T00:00:00Z";
let key: string;

beforeAll(async () => {
  useStackStorage();
  key = await newKey(uniqueTenant("watermark"), "app");
});

async function startSession(): Promise<string> {
  const answer = await api<{ session: { session_id: string } }>("POST", "/sessions", {
    key,
    body: { user_id: uniqueUser("wm"), performer_id: "p" },
  });
  expect(answer.status).toBe(201);
  return answer.body.session.session_id;
}

async function append(id: string, count = 1): Promise<{ seq: number; timestamp: string }[]> {
  const events = Array.from({ length: count }, (_, index) => ({
    event_type: "info",
    message: `m${index}`,
  }));
  const answer = await api<{ items: { seq: number; timestamp: string }[] }>(
    "POST",
    `/sessions/${id}/events`,
    { key, body: { events } },
  );
  expect(answer.status).toBe(201);
  return answer.body.items;
}

async function read(id: string, query: string): Promise<EventPage> {
  const answer = await api<EventPage>("GET", `/sessions/${id}/events?${query}`, { key });
  expect(answer.status, query).toBe(200);
  return answer.body;
}

describe("server_time", () => {
  it("stays at the newest event the read saw when since is in the future, in every kind of read", async () => {
    const id = await startSession();
    const newest = (await append(id, 2))[1];
    const since = `since=${encodeURIComponent(FUTURE)}`;
    for (const query of [since, `${since}&order=asc`, `${since}&event_type=info`]) {
      const page = await read(id, query);
      expect(page.items, query).toEqual([]);
      expect(page.server_time, query).toBe(newest?.timestamp);
    }
    // A page that stops short of the newest event never claims more than it covers.
    const older = await read(id, `${since}&before=2`);
    expect(older.items).toEqual([]);
    expect(older.server_time <= (newest?.timestamp ?? "")).toBe(true);

    const [newer] = await append(id);
    const after = await read(id, since);
    expect(after.server_time).toBe(newer?.timestamp);
  });

  it("lets a poller that was sent a future since continue from server_time without losing an event", async () => {
    const id = await startSession();
    await append(id);
    const first = await read(id, `since=${encodeURIComponent(FUTURE)}&order=asc`);
    const appended = await append(id, 3);
    const next = await read(id, `since=${encodeURIComponent(first.server_time)}&order=asc`);
    expect(next.items.map((item) => item.seq)).toEqual(appended.map((item) => item.seq));
    expect(next.server_time).toBe(appended[2]?.timestamp);
  });
});
