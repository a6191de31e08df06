/**
 * PATCH /sessions/{id}: a JSON merge patch of session_notes and labels, one
 * transaction with its session_updated event; ETag / If-Match for optimistic
 * concurrency, last writer wins without it.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { RouteInput } from "#shared/client/client.ts";
import { appendEventsRoute, listEventsRoute } from "#shared/contract/routes/events.ts";
import {
  deleteSessionRoute,
  endSessionRoute,
  getSessionRoute,
  listSessionsRoute,
  pauseSessionRoute,
  startSessionRoute,
  updateSessionRoute,
} from "#shared/contract/routes/sessions.ts";
import { api, newKey, uniqueTenant, uniqueUser, useStackStorage } from "../support/api.ts";
import { refusal, stackClient, statusOf } from "../support/client.ts";

type UpdateBody = RouteInput<typeof updateSessionRoute>["body"];

let key: string;

beforeAll(async () => {
  useStackStorage();
  key = await newKey(uniqueTenant("updates"), "app");
});

async function start(extra: { labels?: Record<string, string>; session_notes?: string } = {}) {
  const user = uniqueUser("upd");
  const answer = await stackClient(key).call(startSessionRoute, {
    body: { user_id: user, performer_id: "worker-1", ...extra },
  });
  expect(answer.status).toBe(201);
  return { id: answer.body.session.session_id, user, session: answer.body.session };
}

function patch(id: string, body: UpdateBody, headers: { "If-Match"?: string } = {}) {
  return stackClient(key).call(updateSessionRoute, { params: { id }, body, headers });
}

function getSession(id: string) {
  return stackClient(key).call(getSessionRoute, { params: { id } });
}

function events(id: string, limit?: number) {
  return stackClient(key).call(listEventsRoute, {
    params: { id },
    query: { order: "asc", ...(limit === undefined ? {} : { limit }) },
  });
}

describe("updating a session", () => {
  it("merges the patch, moves the version and the ETag, and writes a session_updated event in the same step", async () => {
    const { id, session } = await start({ labels: { device: "ios" }, session_notes: "first" });
    expect(session.labels).toEqual({ device: "ios" });
    const read = await getSession(id);
    expect(read.headers.get("etag")).toBe('"1"');
    const updated = await patch(id, { labels: { flow: "retake" } }, { "If-Match": '"1"' });
    expect(updated.status).toBe(200);
    expect(updated.headers.get("etag")).toBe('"2"');
    expect(updated.body.session).toMatchObject({
      labels: { device: "ios", flow: "retake" },
      session_notes: "first",
      version: 2,
      last_seq: 2,
    });
    expect(updated.body.event).toMatchObject({
      seq: 2,
      event_type: "session_updated",
      source: "session_manager",
      event_data: { changed: ["labels"] },
    });
    const listed = await events(id);
    expect(listed.body.items.map((event) => event.event_type)).toEqual([
      "session_started",
      "session_updated",
    ]);
    const after = await getSession(id);
    expect(after.headers.get("etag")).toBe('"2"');
    expect(after.body.labels).toEqual({ device: "ios", flow: "retake" });
  });

  it("removes a label with null, all labels with labels: null, and the notes with session_notes: null", async () => {
    const { id } = await start({ labels: { a: "1", b: "2" }, session_notes: "n" });
    const one = await patch(id, { labels: { a: null } });
    expect(one.body.session.labels).toEqual({ b: "2" });
    const all = await patch(id, { labels: null, session_notes: null });
    expect(all.body.session).toMatchObject({ labels: {}, session_notes: null, version: 3 });
    expect(all.body.event?.event_data).toEqual({ changed: ["session_notes", "labels"] });
  });

  it("answers 412 for a stale If-Match and changes nothing", async () => {
    const { id } = await start();
    expect((await patch(id, { session_notes: "v2" })).status).toBe(200);
    const stale = await refusal(patch(id, { session_notes: "lost" }, { "If-Match": '"1"' }));
    expect(stale.status).toBe(412);
    expect(stale.error_code).toBe("PRECONDITION_FAILED");
    expect(stale.details).toEqual({ current_version: 2 });
    const read = await getSession(id);
    expect(read.body).toMatchObject({ session_notes: "v2", version: 2, last_seq: 2 });
  });

  it("is not made stale by appends, which leave the version alone", async () => {
    const { id } = await start();
    const appended = await stackClient(key).call(appendEventsRoute, {
      params: { id },
      body: { events: [{ event_type: "info" }, { event_type: "info" }] },
    });
    expect(appended.status).toBe(201);
    const read = await getSession(id);
    expect(read.headers.get("etag")).toBe('"1"');
    const updated = await patch(id, { labels: { k: "v" } }, { "If-Match": '"1"' });
    expect(updated.status).toBe(200);
    expect(updated.body.event?.seq).toBe(4);
  });

  it("moves the version with every lifecycle step", async () => {
    const { id, user } = await start();
    const paused = await stackClient(key).call(pauseSessionRoute, {
      params: { id },
      body: { user_id: user, performer_id: "worker-1" },
    });
    expect(paused.body.session.version).toBe(2);
    const stale = await statusOf(patch(id, { session_notes: "x" }, { "If-Match": '"1"' }));
    expect(stale).toBe(412);
  });

  it("applies 10 concurrent patches without If-Match, each on the session as the ones before left it", async () => {
    const { id } = await start();
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, index) =>
        patch(id, { labels: { [`k${index}`]: `${index}` } }),
      ),
    );
    expect(answers.map((answer) => answer.status)).toEqual(Array(10).fill(200));
    const read = await getSession(id);
    expect(Object.keys(read.body.labels).sort()).toEqual(
      Array.from({ length: 10 }, (_, index) => `k${index}`).sort(),
    );
    expect(read.body.version).toBe(11);
    const listed = await events(id, 100);
    expect(listed.body.items.map((event) => event.seq)).toEqual(
      Array.from({ length: 11 }, (_, index) => index + 1),
    );
  });

  it("commits patches and appends sent at once, each exactly once, with gap-free seqs; appends leave the version alone", async () => {
    const { id } = await start();
    const patches = Array.from({ length: 8 }, (_, index) =>
      patch(id, { labels: { [`p${index}`]: "x" } }),
    );
    const appends = Array.from({ length: 16 }, () =>
      stackClient(key).call(appendEventsRoute, {
        params: { id },
        body: { events: [{ event_type: "info" }] },
      }),
    );
    const answers = await Promise.all([...patches, ...appends]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([
      ...Array(8).fill(200),
      ...Array(16).fill(201),
    ]);
    const read = await getSession(id);
    expect(read.body).toMatchObject({ version: 9, last_seq: 25 });
    expect(Object.keys(read.body.labels)).toHaveLength(8);
    const listed = await events(id, 100);
    expect(listed.body.items.map((event) => event.seq)).toEqual(
      Array.from({ length: 25 }, (_, index) => index + 1),
    );
    expect(
      listed.body.items.filter((event) => event.event_type === "session_updated"),
    ).toHaveLength(8);
  });

  it("lets exactly one of 10 concurrent patches with the same If-Match win; the others get 412", async () => {
    const { id } = await start();
    const statuses = (
      await Promise.all(
        Array.from({ length: 10 }, (_, index) =>
          statusOf(patch(id, { session_notes: `writer ${index}` }, { "If-Match": '"1"' })),
        ),
      )
    ).sort();
    expect(statuses).toEqual([200, ...Array(9).fill(412)]);
    const read = await getSession(id);
    expect(read.body).toMatchObject({ version: 2, last_seq: 2 });
  });

  it("accepts If-Match: *, application/merge-patch+json, and answers an empty patch without an event", async () => {
    const { id } = await start();
    const star = await patch(id, { labels: { a: "b" } }, { "If-Match": "*" });
    expect(star.status).toBe(200);
    // The typed client sends application/json only; this content type goes raw.
    const mergePatch = await api("PATCH", `/sessions/${id}`, {
      key,
      rawBody: JSON.stringify({ labels: { c: "d" } }),
      headers: { "Content-Type": "application/merge-patch+json" },
    });
    expect(mergePatch.status).toBe(200);
    const empty = await patch(id, {});
    expect(empty.status).toBe(200);
    expect(empty.body.event).toBeNull();
    expect(empty.body.session).toMatchObject({ version: 3, last_seq: 3 });
    const same = await patch(id, { labels: { a: "b" } });
    expect(same.body.event).toBeNull();
  });

  it("updates ended sessions, and answers 404 for a deleted one", async () => {
    const { id, user } = await start();
    await stackClient(key).call(endSessionRoute, {
      params: { id },
      body: { user_id: user, performer_id: "worker-1" },
    });
    const ended = await patch(id, { session_notes: "after the end" });
    expect(ended.status).toBe(200);
    expect(ended.body.session).toMatchObject({ status: "ended", version: 3 });
    const admin = await newKey(uniqueTenant("upd-del"), "admin");
    const asAdmin = stackClient(admin);
    const other = await asAdmin.call(startSessionRoute, {
      body: { user_id: "u-del", performer_id: "w" },
    });
    const otherId = other.body.session.session_id;
    const deleted = await asAdmin.call(deleteSessionRoute, { params: { id: otherId } });
    expect(deleted.status).toBe(204);
    const gone = asAdmin.call(updateSessionRoute, {
      params: { id: otherId },
      body: { session_notes: "x" },
    });
    expect((await refusal(gone)).status).toBe(404);
  });

  it("refuses bad labels, long notes, unknown fields and a malformed If-Match with 400, changing nothing", async () => {
    const { id } = await start();
    const tooMany = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, "v"]));
    const twenty = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, "v"]));
    expect((await patch(id, { labels: twenty })).status).toBe(200);
    for (const [body, headers, field] of [
      [{ labels: { "Bad Key": "v" } }, {}, "labels"],
      [JSON.parse('{"labels":{"__proto__":"v"}}'), {}, "labels"],
      [{ labels: { k: "v".repeat(257) } }, {}, "labels"],
      [{ labels: tooMany }, {}, "labels"],
      [{ labels: { extra: "one too many" } }, {}, "labels"],
      [{ session_notes: "é".repeat(2049) }, {}, "session_notes"],
      [{ session_notes: "x" }, { "If-Match": "3" }, "If-Match"],
    ] as const) {
      const answer = await refusal(patch(id, body, headers));
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.error_code).toBe("VALIDATION_ERROR");
      expect(answer.message).toContain(field);
    }
    // A field the body schema does not have: the typed client will not send it.
    const unknown = await api("PATCH", `/sessions/${id}`, { key, body: { status: "ended" } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error_code).toBe("VALIDATION_ERROR");
    expect(unknown.body.message).toContain("status");
    const read = await getSession(id);
    expect(read.body).toMatchObject({ version: 2, last_seq: 2 });
  });

  it("lists sessions by one label", async () => {
    const tenantKey = await newKey(uniqueTenant("labels"), "admin");
    const ids: string[] = [];
    for (const flow of ["a", "b", "a"]) {
      const started = await stackClient(tenantKey).call(startSessionRoute, {
        body: { user_id: uniqueUser("lbl"), performer_id: "w", labels: { flow } },
      });
      ids.push(started.body.session.session_id);
    }
    const list = (label: string) =>
      stackClient(tenantKey).call(listSessionsRoute, { query: { label } });
    const listed = await list("flow:a");
    expect(listed.body.items.map((item) => item.session_id)).toEqual([ids[2], ids[0]]);
    expect((await refusal(list("flow"))).status).toBe(400);
  });
});
