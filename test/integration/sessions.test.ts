import { GetCommand, PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { ApiError, type RouteInput } from "#shared/client/client.ts";
import { tableName } from "#shared/config.ts";
import { listEventsRoute } from "#shared/contract/routes/events.ts";
import { getHealthRoute, getStatisticsRoute } from "#shared/contract/routes/service.ts";
import {
  deleteSessionRoute,
  endSessionRoute,
  getSessionRoute,
  listSessionsRoute,
  pauseSessionRoute,
  resumeSessionRoute,
  startSessionRoute,
} from "#shared/contract/routes/sessions.ts";
import { dynamo } from "#shared/storage/clients.ts";
import { keys } from "#shared/storage/keys.ts";
import { createApiKey, revokeApiKey } from "#shared/usecases/api-keys.ts";
import { api, newKey, uniqueTenant, uniqueUser, useStackStorage } from "../support/api.ts";
import { answerText, errorBody, refusal, stackClient, statusOf } from "../support/client.ts";

interface ErrorAnswer {
  error_code: string;
  message: string;
  details: Record<string, unknown>;
}

const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let tenant: string;
let admin: string;
let app: string;
let support: string;

beforeAll(async () => {
  useStackStorage();
  tenant = uniqueTenant("sessions");
  [admin, app, support] = await Promise.all([
    newKey(tenant, "admin"),
    newKey(tenant, "app"),
    newKey(tenant, "support"),
  ]);
});

type StartBody = RouteInput<typeof startSessionRoute>["body"];
type StartHeaders = { "Idempotency-Key"?: string };

function start(user: string, extra: Partial<StartBody> = {}, key = app, headers?: StartHeaders) {
  return stackClient(key).call(startSessionRoute, {
    body: { user_id: user, performer_id: "worker-1", ...extra },
    ...(headers ? { headers } : {}),
  });
}

/** A start with fields or types the body schema does not have, which the typed client will not send. */
function startRaw(user: string, extra: Record<string, unknown>) {
  return api<ErrorAnswer>("POST", "/sessions", {
    key: app,
    body: { user_id: user, performer_id: "worker-1", ...extra },
  });
}

async function partitionItems(sessionId: string) {
  const result = await dynamo().send(
    new QueryCommand({
      TableName: tableName(),
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": keys.sessionPartition(tenant, sessionId) },
      ConsistentRead: true,
    }),
  );
  return result.Items ?? [];
}

describe("starting a session", () => {
  it("answers 201 with the session, its session_started event and a Location header", async () => {
    const user = uniqueUser();
    const answer = await start(user, { ttl_seconds: 120, session_notes: "scan 1" });
    expect(answer.status).toBe(201);
    expect(answer.headers.get("location")).toBe(`/v1/sessions/${answer.body.session.session_id}`);
    expect(answer.body.session).toMatchObject({
      user_id: user,
      status: "active",
      last_seq: 1,
      event_count: 1,
    });
    expect(answer.body.session.session_id).toMatch(/^sess_[A-Za-z0-9_-]{22}$/);
    expect(answer.body.event).toMatchObject({
      seq: 1,
      event_type: "session_started",
      source: "session_manager",
      performer_id: "worker-1",
    });
    expect(answer.body.event.record_id).toMatch(UUID_V4);
    expect(answer.body.event.timestamp).toMatch(ISO_MS);
  });

  it("rejects a second start for a user with an open session, naming the open one", async () => {
    const user = uniqueUser();
    const first = await start(user);
    const second = await refusal(start(user));
    expect(second.status).toBe(409);
    expect(errorBody(second)).toEqual({
      error_code: "ACTIVE_SESSION_EXISTS",
      message: expect.any(String),
      details: { active_session_id: first.body.session.session_id },
    });
  });

  it("lets exactly one of 50 concurrent starts for one user win", async () => {
    const user = uniqueUser("race");
    const answers = await Promise.allSettled(Array.from({ length: 50 }, () => start(user)));
    const created = answers.flatMap((answer) =>
      answer.status === "fulfilled" && answer.value.status === 201 ? [answer.value] : [],
    );
    const conflicts = answers.flatMap((answer) =>
      answer.status === "rejected" &&
      answer.reason instanceof ApiError &&
      answer.reason.status === 409
        ? [answer.reason]
        : [],
    );
    expect(created).toHaveLength(1);
    expect(conflicts).toHaveLength(49);
    const winner = created[0]?.body.session.session_id;
    for (const conflict of conflicts) {
      expect(conflict.error_code).toBe("ACTIVE_SESSION_EXISTS");
      expect(conflict.details?.active_session_id).toBe(winner);
    }
    const lock = await dynamo().send(
      new GetCommand({
        TableName: tableName(),
        Key: keys.openLock(tenant, user),
        ConsistentRead: true,
      }),
    );
    expect(lock.Item?.session_id).toBe(winner);
    const listed = await stackClient(app).call(listSessionsRoute, { query: { user_id: user } });
    expect(listed.body.items.map((item) => item.session_id)).toEqual([winner]);
    const items = await partitionItems(winner ?? "");
    expect(items.filter((item) => item.event_type === "session_started")).toHaveLength(1);
  });

  it.each([
    ["timestamp", "2026-01-01T00:00:00.000Z"],
    ["source", "api"],
    ["session_id", "sess_AAAAAAAAAAAAAAAAAAAAAA"],
    ["record_id", "2b7c1c3e-5b0e-4d1a-9a55-3f0f1a1b2c3d"],
    ["color", "blue"],
  ])(
    "rejects a client-supplied %s with a 400 naming it, and creates nothing",
    async (field, value) => {
      const user = uniqueUser();
      // A field the body schema does not have: the typed client will not send it.
      const answer = await startRaw(user, { [field]: value });
      expect(answer.status).toBe(400);
      expect(answer.body.error_code).toBe("VALIDATION_ERROR");
      expect(answer.body.message).toContain(field);
      const listed = await stackClient(app).call(listSessionsRoute, { query: { user_id: user } });
      expect(listed.body.items).toHaveLength(0);
    },
  );

  it("leaves nothing behind when the start transaction is cancelled", async () => {
    const user = uniqueUser("cancelled");
    // A lock held by a session that is not in the table: the transaction's lock condition fails.
    await dynamo().send(
      new PutCommand({
        TableName: tableName(),
        Item: {
          ...keys.openLock(tenant, user),
          session_id: "sess_LockHeldElsewhere00000",
          user_id: user,
        },
      }),
    );
    expect(await statusOf(start(user, { ttl_seconds: 600 }))).toBe(409);
    const listed = await stackClient(app).call(listSessionsRoute, { query: { user_id: user } });
    expect(listed.body.items).toHaveLength(0);
    const lock = await dynamo().send(
      new GetCommand({
        TableName: tableName(),
        Key: keys.openLock(tenant, user),
        ConsistentRead: true,
      }),
    );
    expect(lock.Item?.session_id).toBe("sess_LockHeldElsewhere00000");
  });

  it("requires performer_id and rejects an empty one", async () => {
    // Without a required field: the typed client will not send it.
    const missing = await api<ErrorAnswer>("POST", "/sessions", {
      key: app,
      body: { user_id: uniqueUser() },
    });
    expect(missing.status).toBe(400);
    expect(missing.body.message).toContain("performer_id");
    const empty = await refusal(start(uniqueUser(), { performer_id: "  " }));
    expect(empty.status).toBe(400);
    expect(empty.message).toContain("performer_id");
  });

  it("rejects ttl_seconds outside 1..604800", async () => {
    for (const ttl of [0, 604_801, 1.5]) {
      const answer = await refusal(start(uniqueUser(), { ttl_seconds: ttl }));
      expect(answer.status).toBe(400);
      expect(answer.message).toContain("ttl_seconds");
    }
    // A string where the schema has a number: the typed client will not send it.
    const text = await startRaw(uniqueUser(), { ttl_seconds: "60" });
    expect(text.status).toBe(400);
    expect(text.body.message).toContain("ttl_seconds");
  });

  it("answers malformed JSON with 400, a non-JSON content type with 415, a body over 1 MiB with 413", async () => {
    const malformed = await api<ErrorAnswer>("POST", "/sessions", {
      key: app,
      rawBody: '{"user_id": "u",',
      headers: { "Content-Type": "application/json" },
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error_code).toBe("VALIDATION_ERROR");
    const wrongType = await api<ErrorAnswer>("POST", "/sessions", {
      key: app,
      rawBody: "user_id=u",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    });
    expect(wrongType.status).toBe(415);
    expect(wrongType.body.error_code).toBe("UNSUPPORTED_MEDIA_TYPE");
    const huge = await refusal(
      start(uniqueUser(), { performer_id: "p", session_notes: "x".repeat(1024 * 1024 + 10) }),
    );
    expect(huge.status).toBe(413);
    expect(huge.error_code).toBe("PAYLOAD_TOO_LARGE");
  });

  it("replays the first answer for a repeated Idempotency-Key and refuses the key with another body", async () => {
    const user = uniqueUser();
    const idempotencyKey = `idem-${user}`;
    const headers = { "Idempotency-Key": idempotencyKey };
    const first = await start(user, {}, app, headers);
    const again = await start(user, {}, app, headers);
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    const other = await refusal(start(user, { session_notes: "different" }, app, headers));
    expect(other.status).toBe(422);
    expect(other.error_code).toBe("IDEMPOTENCY_KEY_REUSED");
  });

  it("answers 20 identical starts sent at once with one Idempotency-Key with 201 and the same session", async () => {
    const user = uniqueUser();
    const headers = { "Idempotency-Key": `idem-burst-${user}` };
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => start(user, {}, app, headers)),
    );
    expect(answers.map((answer) => answer.status)).toEqual(Array(20).fill(201));
    const ids = new Set(answers.map((answer) => answer.body.session.session_id));
    expect(ids.size).toBe(1);
    const replayed = answers.filter(
      (answer) => answer.headers.get("idempotent-replayed") === "true",
    );
    expect(replayed).toHaveLength(19);
  });

  it("is refused to a support key with 403 FORBIDDEN", async () => {
    const answer = await refusal(start(uniqueUser(), {}, support));
    expect(answer.status).toBe(403);
    expect(answer.error_code).toBe("FORBIDDEN");
  });
});

describe("authentication", () => {
  it("answers 401 without a key, with an unknown key, and with a revoked key", async () => {
    const list = (key?: string) => stackClient(key).call(listSessionsRoute);
    const none = await refusal(list());
    const unknown = await refusal(list("st_not-a-real-key"));
    expect(none.status).toBe(401);
    expect(none.error_code).toBe("UNAUTHORIZED");
    expect(unknown.status).toBe(401);
    expect(unknown.error_code).toBe("UNAUTHORIZED");
    const created = await createApiKey(tenant, "admin");
    expect((await list(created.plainKey)).status).toBe(200);
    await revokeApiKey(created.keyId);
    const revoked = await refusal(list(created.plainKey));
    expect(revoked.status).toBe(401);
    expect(revoked.error_code).toBe("UNAUTHORIZED");
  });
});

describe("the lifecycle", () => {
  it("pauses, resumes and ends with boundary events in seq order", async () => {
    const user = uniqueUser();
    const started = await start(user);
    const id = started.body.session.session_id;
    const body = { user_id: user, performer_id: "worker-2" };
    const client = stackClient(app);
    const paused = await client.call(pauseSessionRoute, { params: { id }, body });
    expect(paused.status).toBe(200);
    expect(paused.body.session.status).toBe("paused");
    expect(paused.body.event).toMatchObject({
      seq: 2,
      event_type: "session_paused",
      performer_id: "worker-2",
    });
    const resumed = await client.call(resumeSessionRoute, { params: { id }, body });
    expect(resumed.body.event).toMatchObject({ seq: 3, event_type: "session_resumed" });
    const ended = await client.call(endSessionRoute, {
      params: { id },
      body: { ...body, session_id: id },
    });
    expect(ended.status).toBe(200);
    expect(ended.body.session).toMatchObject({
      status: "ended",
      ended_by: "worker-2",
      last_seq: 4,
    });
    expect(ended.body.event).toMatchObject({
      seq: 4,
      event_type: "session_ended",
      source: "session_manager",
    });
    const got = await stackClient(support).call(getSessionRoute, { params: { id } });
    expect(got.body).toMatchObject({ status: "ended", last_seq: 4 });
    const items = await partitionItems(id);
    expect(
      items.filter((item) => String(item.sk).startsWith("E#")).map((item) => item.seq),
    ).toEqual([1, 2, 3, 4]);
    // The lock is gone: the user may start again at once.
    expect((await start(user)).status).toBe(201);
  });

  it("answers 409 SESSION_ALREADY_ENDED for a second end and INVALID_TRANSITION for bad moves", async () => {
    const user = uniqueUser();
    const id = (await start(user)).body.session.session_id;
    const body = { user_id: user, performer_id: "p" };
    const client = stackClient(app);
    await expect(client.call(resumeSessionRoute, { params: { id }, body })).rejects.toMatchObject({
      status: 409,
      error_code: "INVALID_TRANSITION",
    });
    await client.call(pauseSessionRoute, { params: { id }, body });
    await expect(client.call(pauseSessionRoute, { params: { id }, body })).rejects.toMatchObject({
      status: 409,
      error_code: "INVALID_TRANSITION",
    });
    expect((await client.call(endSessionRoute, { params: { id }, body })).status).toBe(200);
    await expect(client.call(endSessionRoute, { params: { id }, body })).rejects.toMatchObject({
      status: 409,
      error_code: "SESSION_ALREADY_ENDED",
    });
    const events = (await partitionItems(id)).filter((item) => String(item.sk).startsWith("E#"));
    expect(events.map((item) => item.event_type)).toEqual([
      "session_started",
      "session_paused",
      "session_ended",
    ]);
  });

  it("answers 403 SESSION_USER_MISMATCH when user_id is not the session's user, and changes nothing", async () => {
    const user = uniqueUser();
    const id = (await start(user)).body.session.session_id;
    const answer = await refusal(
      stackClient(app).call(endSessionRoute, {
        params: { id },
        body: { user_id: "someone-else", performer_id: "p" },
      }),
    );
    expect(answer.status).toBe(403);
    expect(answer.error_code).toBe("SESSION_USER_MISMATCH");
    const read = await stackClient(app).call(getSessionRoute, { params: { id } });
    expect(read.body.status).toBe("active");
  });

  it("rejects a body session_id that differs from the path", async () => {
    const user = uniqueUser();
    const id = (await start(user)).body.session.session_id;
    const answer = await refusal(
      stackClient(app).call(endSessionRoute, {
        params: { id },
        body: { user_id: user, performer_id: "p", session_id: "sess_AAAAAAAAAAAAAAAAAAAAAA" },
      }),
    );
    expect(answer.status).toBe(400);
    expect(answer.message).toContain("session_id");
  });

  it("lets exactly one of 20 concurrent ends win", async () => {
    const user = uniqueUser();
    const id = (await start(user)).body.session.session_id;
    const answers = await Promise.allSettled(
      Array.from({ length: 20 }, () =>
        stackClient(app).call(endSessionRoute, {
          params: { id },
          body: { user_id: user, performer_id: "p" },
        }),
      ),
    );
    expect(
      answers.filter((answer) => answer.status === "fulfilled" && answer.value.status === 200),
    ).toHaveLength(1);
    expect(
      answers.filter(
        (answer) =>
          answer.status === "rejected" &&
          answer.reason instanceof ApiError &&
          answer.reason.error_code === "SESSION_ALREADY_ENDED",
      ),
    ).toHaveLength(19);
    const closing = (await partitionItems(id)).filter(
      (item) => item.event_type === "session_ended",
    );
    expect(closing).toHaveLength(1);
  });
});

describe("reading and listing", () => {
  it("answers 404 for a missing id, a malformed id and another tenant's session, with the same body", async () => {
    const id = (await start(uniqueUser())).body.session.session_id;
    const otherKey = await newKey(uniqueTenant("other"), "admin");
    const read = (key: string, sessionId: string) =>
      answerText(key, (client) => client.call(getSessionRoute, { params: { id: sessionId } }));
    const other = await read(otherKey, id);
    const missing = await read(app, "sess_AAAAAAAAAAAAAAAAAAAAAA");
    const malformed = await read(app, "not-an-id");
    expect(other.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(malformed.status).toBe(404);
    expect(other.text).toBe(missing.text);
    expect(malformed.text).toBe(missing.text);
    const asOther = stackClient(otherKey);
    const otherEnd = asOther.call(endSessionRoute, {
      params: { id },
      body: { user_id: "x", performer_id: "p" },
    });
    expect(await statusOf(otherEnd)).toBe(404);
    expect(await statusOf(asOther.call(deleteSessionRoute, { params: { id } }))).toBe(404);
  });

  it("lists newest first with filters and cursor paging, only within the tenant", async () => {
    const listTenant = uniqueTenant("list");
    const key = await newKey(listTenant, "admin");
    const ids: string[] = [];
    for (let index = 0; index < 5; index += 1) {
      const answer = await start(`lister-${index}`, {}, key);
      ids.push(answer.body.session.session_id);
    }
    const ended = ids[1] ?? "";
    const client = stackClient(key);
    await client.call(endSessionRoute, {
      params: { id: ended },
      body: { user_id: "lister-1", performer_id: "p" },
    });
    const list = (query: RouteInput<typeof listSessionsRoute>["query"]) =>
      client.call(listSessionsRoute, { query });
    const firstPage = await list({ limit: 2 });
    expect(firstPage.status).toBe(200);
    expect(firstPage.body.returned).toBe(2);
    expect(firstPage.body.items.map((item) => item.session_id)).toEqual([ids[4], ids[3]]);
    const seen = [...firstPage.body.items.map((item) => item.session_id)];
    let cursor = firstPage.body.next_cursor;
    while (cursor) {
      const page = await list({ limit: 2, cursor });
      seen.push(...page.body.items.map((item) => item.session_id));
      cursor = page.body.next_cursor;
    }
    expect(seen).toEqual([...ids].reverse());
    const endedOnly = await list({ status: "ended" });
    expect(endedOnly.body.items.map((item) => item.session_id)).toEqual([ended]);
    const byUser = await list({ user_id: "lister-3" });
    expect(byUser.body.items.map((item) => item.session_id)).toEqual([ids[3]]);
  });

  it("answers 400 for a tampered cursor and bad filters", async () => {
    // Values outside the query's types and a repeated parameter: the query goes raw.
    for (const query of [
      "cursor=abc!",
      "cursor=eyJ2IjoxLCJwIjoiJ30",
      "limit=0",
      "limit=101",
      "status=open",
      "created_after=yesterday",
      "limit=1&limit=2",
    ]) {
      const answer = await api<ErrorAnswer>("GET", `/sessions?${query}`, { key: app });
      expect(answer.status, query).toBe(400);
      expect(answer.body.error_code).toBe("VALIDATION_ERROR");
    }
  });
});

describe("deleting", () => {
  it("removes the session, its events and its lock; only admins may", async () => {
    const user = uniqueUser();
    const id = (await start(user)).body.session.session_id;
    const remove = (key: string) =>
      statusOf(stackClient(key).call(deleteSessionRoute, { params: { id } }));
    expect(await remove(app)).toBe(403);
    expect(await remove(admin)).toBe(204);
    expect(await statusOf(stackClient(admin).call(getSessionRoute, { params: { id } }))).toBe(404);
    expect(await partitionItems(id)).toHaveLength(0);
    expect((await start(user)).status).toBe(201);
    expect(await remove(admin)).toBe(404);
  });
});

describe("health", () => {
  it("answers 200 healthy without a key", async () => {
    const answer = await stackClient().call(getHealthRoute);
    expect(answer.status).toBe(200);
    expect(answer.body.status).toBe("healthy");
    expect(answer.body.checks.dynamodb?.status).toBe("ok");
    expect(answer.body.checks.s3?.status).toBe("ok");
  });
});

describe("ending with an outcome and a reason", () => {
  it("keeps them on the session and in the session_ended event, lists by outcome and counts outcomes", async () => {
    const key = await newKey(uniqueTenant("outcome"), "admin");
    const client = stackClient(key);
    const endAs = async (outcome?: "completed" | "failed", reason?: string) => {
      const user = uniqueUser("outcome");
      const id = (await start(user, {}, key)).body.session.session_id;
      const ended = await client.call(endSessionRoute, {
        params: { id },
        body: { user_id: user, performer_id: "worker-1", outcome, reason },
      });
      expect(ended.status).toBe(200);
      return { id, ended: ended.body };
    };
    const completed = await endAs("completed", "scan uploaded");
    const failed = await endAs("failed");
    const silent = await endAs();
    expect(completed.ended.session.outcome).toBe("completed");
    expect(completed.ended.session.end_reason).toBe("scan uploaded");
    expect(completed.ended.event.event_data).toEqual({
      outcome: "completed",
      reason: "scan uploaded",
    });
    expect(silent.ended.session.outcome).toBeNull();
    expect(silent.ended.event.event_data).toEqual({});
    const read = await client.call(getSessionRoute, { params: { id: completed.id } });
    expect([read.body.outcome, read.body.end_reason]).toEqual(["completed", "scan uploaded"]);
    const events = await client.call(listEventsRoute, {
      params: { id: completed.id },
      query: { event_type: "session_ended" },
    });
    expect(events.body.items[0]?.event_data).toEqual({
      outcome: "completed",
      reason: "scan uploaded",
    });
    const failedOnly = await client.call(listSessionsRoute, { query: { outcome: "failed" } });
    expect(failedOnly.body.items.map((item) => item.session_id)).toEqual([failed.id]);
    const stats = await client.call(getStatisticsRoute);
    expect(stats.body.counts.ended).toBe(3);
    expect(stats.body.outcomes).toEqual({ completed: 1, abandoned: 0, failed: 1 });
    const deleted = await client.call(deleteSessionRoute, { params: { id: failed.id } });
    expect(deleted.status).toBe(204);
    const afterDelete = await client.call(getStatisticsRoute);
    expect(afterDelete.body.outcomes).toEqual({ completed: 1, abandoned: 0, failed: 0 });
  });

  it("refuses an unknown outcome, a long reason, and outcome or reason on pause and resume", async () => {
    const user = uniqueUser("outcome-bad");
    const id = (await start(user)).body.session.session_id;
    const body = { user_id: user, performer_id: "worker-1" };
    // An outcome outside its enum, and fields pause does not have: these bodies go raw.
    for (const [action, extra, field] of [
      ["end", { outcome: "done" }, "outcome"],
      ["end", { reason: "r".repeat(257) }, "reason"],
      ["pause", { outcome: "completed" }, "outcome"],
      ["pause", { reason: "because" }, "reason"],
    ] as const) {
      const answer = await api<ErrorAnswer>("POST", `/sessions/${id}/${action}`, {
        key: app,
        body: { ...body, ...extra },
      });
      expect(answer.status, `${action} ${field}`).toBe(400);
      expect(answer.body.message).toContain(field);
    }
    const unchanged = await stackClient(app).call(getSessionRoute, { params: { id } });
    expect([unchanged.body.status, unchanged.body.last_seq]).toEqual(["active", 1]);
  });
});
