/**
 * Input a hostile client sends that the service once mishandled: member
 * names of Object.prototype in user-keyed maps, number literals that
 * underflow to zero, label values the list filter could not find, and
 * bodies that are not UTF-8. Each is answered as documented and changes
 * nothing it should not.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { RouteInput } from "#shared/client/client.ts";
import { appendEventsRoute, listEventsRoute } from "#shared/contract/routes/events.ts";
import {
  getSessionRoute,
  listSessionsRoute,
  startSessionRoute,
  updateSessionRoute,
} from "#shared/contract/routes/sessions.ts";
import { investigateSessionRoute } from "#shared/contract/routes/workspaces.ts";
import { api, newKey, uniqueTenant, uniqueUser, uploadThroughApi } from "../support/api.ts";
import { refusal, stackClient } from "../support/client.ts";

interface ErrorAnswer {
  error_code: string;
  message: string;
  details: { field?: string; fields?: { field: string; message: string }[] };
}

const PROTOTYPE_NAMES = [
  "constructor",
  "prototype",
  "toString",
  "hasOwnProperty",
  "valueOf",
  "__defineGetter__",
  "__lookupSetter__",
  "isPrototypeOf",
  "propertyIsEnumerable",
  "toLocaleString",
];

let key: string;

beforeAll(async () => {
  key = await newKey(uniqueTenant("hostile"), "admin");
});

type StartBody = RouteInput<typeof startSessionRoute>["body"];

async function start(extra: Partial<StartBody> = {}) {
  return stackClient(key).call(startSessionRoute, {
    body: { user_id: uniqueUser("hostile"), performer_id: "hostile-test", ...extra },
  });
}

async function startId(): Promise<string> {
  const answer = await start();
  expect(answer.status).toBe(201);
  return answer.body.session.session_id;
}

async function read(id: string) {
  const answer = await stackClient(key).call(getSessionRoute, { params: { id } });
  expect(answer.status).toBe(200);
  return answer.body;
}

async function listByLabel(filter: string) {
  return stackClient(key).call(listSessionsRoute, { query: { label: filter, limit: 100 } });
}

function listByUser(user: string) {
  return stackClient(key).call(listSessionsRoute, { query: { user_id: user } });
}

function patch(id: string, body: RouteInput<typeof updateSessionRoute>["body"]) {
  return stackClient(key).call(updateSessionRoute, { params: { id }, body });
}

describe("prototype member names are data in every user-keyed map", () => {
  it("starts a session with labels constructor and prototype (constructor was a 500)", async () => {
    const started = await start({ labels: { constructor: "x", prototype: "y" } });
    expect(started.status).toBe(201);
    expect(started.body.session.labels).toEqual({ constructor: "x", prototype: "y" });
    const stored = await read(started.body.session.session_id);
    expect(stored.labels).toEqual({ constructor: "x", prototype: "y" });
    const found = await listByLabel("constructor:x");
    expect(found.status).toBe(200);
    expect(found.body.items.map((item) => item.session_id)).toContain(
      started.body.session.session_id,
    );
  });

  it("patches the label constructor in, changes it and removes it (was a 500)", async () => {
    const id = await startId();
    const set = await patch(id, { labels: { constructor: "one" } });
    expect(set.status).toBe(200);
    expect((await read(id)).labels).toEqual({ constructor: "one" });
    const changed = await patch(id, { labels: { constructor: "two", prototype: "p" } });
    expect(changed.status).toBe(200);
    expect(changed.body.event).not.toBeNull();
    const removed = await patch(id, { labels: { constructor: null } });
    expect(removed.status).toBe(200);
    expect((await read(id)).labels).toEqual({ prototype: "p" });
  });

  it("keeps event_data members named after Object.prototype, a constructor that looks like a Set too", async () => {
    const id = await startId();
    const eventData: Record<string, unknown> = Object.fromEntries([
      ...PROTOTYPE_NAMES.map((name, index) => [name, index]),
      ["constructor", { name: "Set" }],
      ["nested", JSON.parse('{"constructor":{"name":"Number"},"valueOf":"v","toString":["s"]}')],
    ]);
    const client = stackClient(key);
    const appended = await client.call(appendEventsRoute, {
      params: { id },
      body: { events: [{ event_type: "constructor", event_data: eventData }] },
    });
    expect(appended.status).toBe(201);
    const events = await client.call(listEventsRoute, {
      params: { id },
      query: { order: "desc", limit: 1 },
    });
    expect(events.body.items[0]?.event_data).toEqual(eventData);
  });

  it("shows a workspace status.json with prototype member names as it was written", async () => {
    const id = await startId();
    const status = { status: "processing", constructor: "c", toString: { valueOf: 1 } };
    await uploadThroughApi(key, id, "status.json", JSON.stringify(status), "application/json");
    const answer = await stackClient(key).call(investigateSessionRoute, { params: { id } });
    expect(answer.status).toBe(200);
    expect(answer.body.status_data).toEqual(status);
  });
});

describe("number literals that underflow to zero", () => {
  it.each(["1e-400", "-1e-400", "1e-330", "0.5e-350"])(
    "refuses %s in event_data with 400 naming its field, and appends nothing (was stored as 0)",
    async (literal) => {
      const id = await startId();
      // Number literals JSON.stringify cannot write: the body goes raw.
      const answer = await api<ErrorAnswer>("POST", `/sessions/${id}/events`, {
        key,
        rawBody: `{"events":[{"event_type":"tiny","event_data":{"zero":0,"a":${literal}}}]}`,
        headers: { "Content-Type": "application/json" },
      });
      expect(answer.status).toBe(400);
      expect(answer.body.error_code).toBe("VALIDATION_ERROR");
      expect(answer.body.details.fields?.[0]?.field).toBe("events.0.event_data.a");
      expect((await read(id)).event_count).toBe(1);
    },
  );

  it("keeps zero however it is written", async () => {
    const id = await startId();
    // -0, 0.0 and 0e-400 as written, which JSON.stringify would not keep: the body goes raw.
    const answer = await api("POST", `/sessions/${id}/events`, {
      key,
      rawBody: '{"events":[{"event_type":"zeros","event_data":{"a":0,"b":-0,"c":0.0,"d":0e-400}}]}',
      headers: { "Content-Type": "application/json" },
    });
    expect(answer.status).toBe(201);
  });
});

describe("any label value a session holds can be asked for", () => {
  const values = [
    ["129 emoji", "😀".repeat(129)],
    ["256 astral characters", "𝄞".repeat(256)],
    ["a line feed", "line1\nline2"],
    ["a line separator", "a\u2028b"],
    ["a carriage return and a paragraph separator", "a\r\u2029b"],
    ["a colon", "a:b"],
  ] as const;

  it.each(values)("finds a label value with %s (was 400 from the filter)", async (_, value) => {
    const id = await startId();
    const patched = await patch(id, { labels: { k: value } });
    expect(patched.status).toBe(200);
    const found = await listByLabel(`k:${value}`);
    expect(found.status).toBe(200);
    expect(found.body.items.map((item) => item.session_id)).toContain(id);
  });

  it("refuses a value of 257 characters in the body and in the filter alike", async () => {
    const value = "😀".repeat(257);
    const id = await startId();
    const patched = await refusal(patch(id, { labels: { k: value } }));
    expect(patched.status).toBe(400);
    const filtered = await refusal(listByLabel(`k:${value}`));
    expect(filtered.status).toBe(400);
    expect(filtered.message).toContain("label");
  });
});

// Bytes that are not UTF-8 cannot come out of JSON.stringify: these bodies go raw.
describe("bodies that are not UTF-8", () => {
  const invalid = (before: string, after: string) =>
    Buffer.concat([Buffer.from(before), Buffer.from([0x41, 0xff, 0xfe, 0x42]), Buffer.from(after)]);

  it("refuses a start with invalid bytes in session_notes, starting nothing (was stored as U+FFFD)", async () => {
    const user = uniqueUser("utf8");
    const answer = await api<ErrorAnswer>("POST", "/sessions", {
      key,
      rawBody: invalid(`{"user_id":"${user}","performer_id":"p","session_notes":"`, '"}'),
      headers: { "Content-Type": "application/json" },
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error_code).toBe("VALIDATION_ERROR");
    expect(answer.body.message).toContain("UTF-8");
    expect(answer.body.details.field).toBe("body");
    const listed = await listByUser(user);
    expect(listed.body.items).toEqual([]);
  });

  it("refuses an append with invalid bytes in a message, appending nothing", async () => {
    const id = await startId();
    const answer = await api<ErrorAnswer>("POST", `/sessions/${id}/events`, {
      key,
      rawBody: invalid('{"events":[{"event_type":"note","message":"', '"}]}'),
      headers: { "Content-Type": "application/json" },
    });
    expect(answer.status).toBe(400);
    expect(answer.body.details.field).toBe("body");
    expect((await read(id)).event_count).toBe(1);
  });

  it("refuses a PATCH of notes with an overlong encoding and keeps the notes", async () => {
    const id = await startId();
    const answer = await api<ErrorAnswer>("PATCH", `/sessions/${id}`, {
      key,
      rawBody: Buffer.concat([
        Buffer.from('{"session_notes":"'),
        Buffer.from([0xc0, 0xae]),
        Buffer.from('"}'),
      ]),
      headers: { "Content-Type": "application/merge-patch+json" },
    });
    expect(answer.status).toBe(400);
    expect((await read(id)).session_notes).toBeNull();
  });

  it("takes valid multi-byte UTF-8 as it was sent", async () => {
    const answer = await start({ session_notes: "é 😀 \u202e مرحبا" });
    expect(answer.status).toBe(201);
    expect(answer.body.session.session_notes).toBe("é 😀 \u202e مرحبا");
  });
});

describe("an empty Idempotency-Key", () => {
  it.each(["", "  "])(
    "is refused with 400 naming the header (%j was read as no key)",
    async (value) => {
      const user = uniqueUser("idem");
      const refused = await refusal(
        stackClient(key).call(startSessionRoute, {
          body: { user_id: user, performer_id: "p" },
          headers: { "Idempotency-Key": value },
        }),
      );
      expect(refused.status).toBe(400);
      expect(refused.details?.field).toBe("Idempotency-Key");
      const listed = await listByUser(user);
      expect(listed.body.items).toEqual([]);
    },
  );
});
