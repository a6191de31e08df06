/**
 * The push stream over a real WebSocket against the local stack: tickets at
 * the handshake, subscribe / backlog / live, tenant and own-scope rules,
 * boundary events, deletion, bad frames.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { appendEventsRoute } from "#shared/contract/routes/events.ts";
import {
  deleteSessionRoute,
  endSessionRoute,
  getSessionRoute,
  pauseSessionRoute,
  resumeSessionRoute,
  startSessionRoute,
} from "#shared/contract/routes/sessions.ts";
import { createStreamTicketRoute } from "#shared/contract/routes/stream.ts";
import { createApiKey } from "#shared/usecases/api-keys.ts";
import { newKey, uniqueTenant, uniqueUser, useStackStorage } from "../support/api.ts";
import { refusal, stackClient } from "../support/client.ts";
import {
  followerHolds,
  handshake,
  openStream,
  receivedSeqs,
  type TestStream,
  ticketFor,
} from "../support/stream-client.ts";

let tenant: string;
let app: string;
let admin: string;
let otherTenantApp: string;

beforeAll(async () => {
  useStackStorage();
  tenant = uniqueTenant("stream");
  [app, admin, otherTenantApp] = await Promise.all([
    newKey(tenant, "app"),
    newKey(tenant, "admin"),
    newKey(uniqueTenant("stream-other"), "admin"),
  ]);
});

async function newSession(key = app): Promise<{ id: string; user: string }> {
  const user = uniqueUser();
  const answer = await stackClient(key).call(startSessionRoute, {
    body: { user_id: user, performer_id: "worker" },
  });
  expect(answer.status).toBe(201);
  return { id: answer.body.session.session_id, user };
}

async function append(id: string, count: number, key = app): Promise<void> {
  const answer = await stackClient(key).call(appendEventsRoute, {
    params: { id },
    body: {
      events: Array.from({ length: count }, (_, index) => ({
        event_type: "info",
        performer_id: "w",
        message: `m${index}`,
      })),
    },
  });
  expect(answer.status).toBe(201);
}

async function subscribed(stream: TestStream, sessionId: string, after?: number) {
  const from = stream.messages.length;
  stream.send({
    action: "subscribe",
    session_id: sessionId,
    ...(after === undefined ? {} : { after }),
  });
  return stream.next(
    (message) =>
      "session_id" in message &&
      message.session_id === sessionId &&
      (message.type === "subscribed" || message.type === "error"),
    15_000,
    from,
  );
}

describe("tickets", () => {
  it("answers 201 with a single-use ticket and the stream URL for any role", async () => {
    const support = await newKey(tenant, "support");
    const answer = await stackClient(support).call(createStreamTicketRoute, {});
    expect(answer.status).toBe(201);
    expect(answer.body.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/v1\/stream\?ticket=stt_/);
    expect(answer.body.url).not.toContain(support);
    const lifetime = Date.parse(answer.body.expires_at) - Date.now();
    expect(lifetime).toBeGreaterThan(50_000);
    expect(lifetime).toBeLessThanOrEqual(60_000);
  });

  it("needs an API key", async () => {
    const refused = await refusal(stackClient().call(createStreamTicketRoute, {}));
    expect(refused.status).toBe(401);
  });

  it("refuses a reused, forged or missing ticket at the handshake with 401", async () => {
    const { url } = await ticketFor(app);
    expect(await handshake(url)).toBe("open");
    expect(await handshake(url)).toBe(401);
    const forged = url.replace(/ticket=stt_[^&]+/, `ticket=stt_${"A".repeat(43)}`);
    expect(await handshake(forged)).toBe(401);
    expect(await handshake(url.replace(/\?.*$/, ""))).toBe(401);
  });
});

describe("subscribe", () => {
  it("delivers 1..n exactly once in order to a follower from after=0 while several writers append", async () => {
    const { id } = await newSession();
    const stream = await openStream(app);
    const writers = [app, admin, await newKey(tenant, "app")];
    const writing = Promise.all(
      writers.map(async (key) => {
        for (let round = 0; round < 8; round += 1) await append(id, 1 + (round % 3), key);
      }),
    );
    const first = await subscribed(stream, id, 0);
    expect(first.type).toBe("subscribed");
    await writing;
    const read = await stackClient(app).call(getSessionRoute, { params: { id } });
    const latest = read.body.last_seq;
    await stream.next(() => receivedSeqs(stream.messages, id).includes(latest), 15_000);
    const held = await followerHolds(stream.messages, id, app);
    expect(held.seqs).toEqual(Array.from({ length: latest }, (_, index) => index + 1));
    expect(receivedSeqs(stream.messages, id).every((seq) => seq >= 1 && seq <= latest)).toBe(true);
    await stream.close();
  });

  it("resumes after a given seq: the backlog starts at after+1", async () => {
    const { id } = await newSession();
    await append(id, 9);
    const stream = await openStream(app);
    const answer = await subscribed(stream, id, 6);
    expect(answer).toMatchObject({ type: "subscribed", latest_seq: 10, status: "active" });
    await stream.next(
      (message) => message.type === "events" && message.items.some((item) => item.seq === 10),
    );
    // The backlog comes first; an append still in flight at subscribe may come a second time.
    expect(receivedSeqs(stream.messages, id).slice(0, 4)).toEqual([7, 8, 9, 10]);
    await append(id, 2);
    await stream.next(
      (message) => message.type === "events" && message.items.some((item) => item.seq === 12),
    );
    expect(Math.min(...receivedSeqs(stream.messages, id))).toBe(7);
    const held = await followerHolds(stream.messages, id, app, 6);
    expect(held).toMatchObject({ seqs: [7, 8, 9, 10, 11, 12], filled: 0 });
    await stream.close();
  });

  it("without after sends only what commits from then on", async () => {
    const { id } = await newSession();
    await append(id, 3);
    const stream = await openStream(app);
    expect(await subscribed(stream, id)).toMatchObject({ type: "subscribed", latest_seq: 4 });
    await append(id, 1);
    await stream.next((message) => message.type === "events");
    expect(receivedSeqs(stream.messages, id)).toEqual([5]);
    await stream.close();
  });

  it("pushes the server's boundary events: pause, resume and end (session_ended)", async () => {
    const { id, user } = await newSession();
    const stream = await openStream(app);
    await subscribed(stream, id, 0);
    for (const route of [pauseSessionRoute, resumeSessionRoute, endSessionRoute]) {
      const answer = await stackClient(app).call(route, {
        params: { id },
        body: { user_id: user, performer_id: "worker" },
      });
      expect(answer.status).toBe(200);
    }
    await stream.next(
      (message) =>
        message.type === "events" &&
        message.items.some((item) => item.event_type === "session_ended"),
    );
    // Each seq once (a repeat is the client's to drop), in seq order.
    const bySeq = new Map(
      stream.messages.flatMap((message) =>
        message.type === "events"
          ? message.items.map((item) => [item.seq, item.event_type] as const)
          : [],
      ),
    );
    const types = [...bySeq.entries()].sort(([a], [b]) => a - b).map(([, type]) => type);
    expect(types).toEqual([
      "session_started",
      "session_paused",
      "session_resumed",
      "session_ended",
    ]);
    await stream.close();
  });

  it("ends the subscriptions of a deleted session with unsubscribed/deleted", async () => {
    const { id } = await newSession();
    const stream = await openStream(app);
    await subscribed(stream, id, 0);
    const deleted = await stackClient(admin).call(deleteSessionRoute, { params: { id } });
    expect(deleted.status).toBe(204);
    const ended = await stream.next((message) => message.type === "unsubscribed");
    expect(ended).toEqual({ type: "unsubscribed", session_id: id, reason: "deleted" });
    await stream.close();
  });

  it("unsubscribe stops delivery and answers unsubscribed/requested", async () => {
    const { id } = await newSession();
    const stream = await openStream(app);
    await subscribed(stream, id);
    stream.send({ action: "unsubscribe", session_id: id });
    expect(await stream.next((message) => message.type === "unsubscribed")).toEqual({
      type: "unsubscribed",
      session_id: id,
      reason: "requested",
    });
    await append(id, 1);
    // A ping answered after the append's fan-out had its chance: nothing came for the session.
    const { id: probe } = await newSession();
    await subscribed(stream, probe);
    await append(probe, 1);
    await stream.next((message) => message.type === "events" && message.session_id === probe);
    expect(receivedSeqs(stream.messages, id)).toEqual([]);
    await stream.close();
  });

  it("refuses more than 20 subscriptions on one connection with TOO_MANY_SUBSCRIPTIONS", async () => {
    const stream = await openStream(app);
    const sessions = await Promise.all(Array.from({ length: 21 }, () => newSession(admin)));
    for (const session of sessions.slice(0, 20)) {
      expect((await subscribed(stream, session.id)).type).toBe("subscribed");
    }
    const last = sessions[20]?.id ?? "";
    expect(await subscribed(stream, last)).toMatchObject({
      type: "error",
      error_code: "TOO_MANY_SUBSCRIPTIONS",
      session_id: last,
    });
    await stream.close();
  });
});

describe("who sees what", () => {
  it("answers another tenant's session exactly like a missing one and pushes nothing of it", async () => {
    const { id } = await newSession();
    const stream = await openStream(otherTenantApp);
    const refused = await subscribed(stream, id, 0);
    const missing = await subscribed(stream, "sess_AAAAAAAAAAAAAAAAAAAAAA", 0);
    expect(refused).toMatchObject({
      type: "error",
      error_code: "SESSION_NOT_FOUND",
      session_id: id,
    });
    expect(JSON.stringify({ ...refused, session_id: "x" })).toBe(
      JSON.stringify({ ...missing, session_id: "x" }),
    );
    await append(id, 2);
    const probe = await newSession(otherTenantApp);
    await subscribed(stream, probe.id);
    await append(probe.id, 1, otherTenantApp);
    await stream.next((message) => message.type === "events" && message.session_id === probe.id);
    expect(
      stream.messages.some((message) => message.type === "events" && message.session_id === id),
    ).toBe(false);
    await stream.close();
  });

  it("answers another own-scope key's session like a missing one", async () => {
    useStackStorage();
    const ownA = (await createApiKey(tenant, "app", null, "own")).plainKey;
    const ownB = (await createApiKey(tenant, "app", null, "own")).plainKey;
    const { id } = await newSession(ownA);
    const stream = await openStream(ownB);
    expect(await subscribed(stream, id, 0)).toMatchObject({
      type: "error",
      error_code: "SESSION_NOT_FOUND",
    });
    await append(id, 1, ownA);
    const own = await openStream(ownA);
    expect((await subscribed(own, id, 0)).type).toBe("subscribed");
    await own.next(
      (message) => message.type === "events" && message.items.some((item) => item.seq === 2),
    );
    expect(stream.messages.some((message) => message.type === "events")).toBe(false);
    await Promise.all([stream.close(), own.close()]);
  });
});

describe("bad frames", () => {
  it("answers each bad frame with an error and keeps the connection usable", async () => {
    const stream = await openStream(app);
    const frames = [
      "not json",
      { action: "dance" },
      { action: "subscribe", session_id: "nope" },
      { action: "subscribe", session_id: "sess_AAAAAAAAAAAAAAAAAAAAAA", after: -1 },
      { action: "ping", extra: 1 },
    ];
    for (const frame of frames) {
      const from = stream.messages.length;
      stream.send(frame);
      expect(await stream.next(() => true, 15_000, from)).toMatchObject({
        type: "error",
        error_code: "VALIDATION_ERROR",
      });
    }
    const from = stream.messages.length;
    stream.send({ action: "ping" });
    expect(await stream.next(() => true, 15_000, from)).toEqual({ type: "pong" });
    await stream.close();
  });
});
