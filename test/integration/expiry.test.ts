import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { GetCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { tableName } from "#shared/config.ts";
import { dynamo } from "#shared/storage/clients.ts";
import { keys, TTL_ATTRIBUTE } from "#shared/storage/keys.ts";
import { expireDueSessions, expireSession } from "#shared/usecases/expiry.ts";
import { api, newKey, uniqueTenant, uniqueUser, useStackStorage } from "../support/api.ts";

interface SessionBody {
  session_id: string;
  status: string;
  ended_by: string | null;
  expires_at: string;
}

let tenant: string;
let app: string;
let admin: string;

beforeAll(async () => {
  useStackStorage();
  tenant = uniqueTenant("expiry");
  [app, admin] = await Promise.all([newKey(tenant, "app"), newKey(tenant, "admin")]);
});

async function startShort(
  user = uniqueUser(),
): Promise<{ id: string; user: string; expiresAt: string }> {
  const answer = await api<{ session: SessionBody }>("POST", "/sessions", {
    key: app,
    body: { user_id: user, performer_id: "app", ttl_seconds: 1 },
  });
  expect(answer.status).toBe(201);
  return { id: answer.body.session.session_id, user, expiresAt: answer.body.session.expires_at };
}

async function untilPast(iso: string): Promise<void> {
  await expect.poll(() => Date.now() > Date.parse(iso), { timeout: 5000, interval: 50 }).toBe(true);
}

async function closingEvents(id: string) {
  const result = await dynamo().send(
    new QueryCommand({
      TableName: tableName(),
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :e)",
      ExpressionAttributeValues: { ":pk": keys.sessionPartition(tenant, id), ":e": "E#" },
      ConsistentRead: true,
    }),
  );
  return (result.Items ?? []).filter(
    (item) => item.event_type === "session_expired" || item.event_type === "session_ended",
  );
}

const forever = () => true;

describe("the expiry job", () => {
  it("closes an overdue session as system, with one session_expired event, and releases the lock", async () => {
    const { id, user, expiresAt } = await startShort();
    await untilPast(expiresAt);
    const report = await expireDueSessions(forever);
    expect(report.expired).toBeGreaterThanOrEqual(1);
    const session = await api<SessionBody>("GET", `/sessions/${id}`, { key: app });
    expect(session.body).toMatchObject({ status: "expired", ended_by: "system" });
    const events = await api<{
      items: { event_type: string; performer_id: string; source: string }[];
    }>("GET", `/sessions/${id}/events?event_type=session_expired`, { key: app });
    expect(events.body.items).toEqual([
      expect.objectContaining({
        event_type: "session_expired",
        performer_id: "system",
        source: "session_manager",
      }),
    ]);
    const again = await api("POST", "/sessions", {
      key: app,
      body: { user_id: user, performer_id: "app" },
    });
    expect(again.status).toBe(201);
  });

  it("is idempotent: a second run and a concurrent run write no second closing event", async () => {
    const sessions = await Promise.all(Array.from({ length: 5 }, () => startShort()));
    await untilPast(sessions[sessions.length - 1]?.expiresAt ?? "");
    await Promise.all([expireDueSessions(forever), expireDueSessions(forever)]);
    await expireDueSessions(forever);
    for (const { id } of sessions) {
      expect(await closingEvents(id)).toHaveLength(1);
    }
  });

  it("leaves exactly one closing event when a user's end races the job (40 trials)", async () => {
    const trials = await Promise.all(Array.from({ length: 40 }, () => startShort()));
    await untilPast(trials[trials.length - 1]?.expiresAt ?? "");
    await Promise.all(
      trials.map(async ({ id, user, expiresAt }) => {
        const [ended] = await Promise.all([
          api("POST", `/sessions/${id}/end`, {
            key: app,
            body: { user_id: user, performer_id: "app" },
          }),
          expireSession({ tenant, sessionId: id, expiresAt }, new Date().toISOString()),
        ]);
        expect([200, 409]).toContain(ended.status);
        const closing = await closingEvents(id);
        expect(closing).toHaveLength(1);
        const status = (await api<SessionBody>("GET", `/sessions/${id}`, { key: app })).body.status;
        expect(status).toBe(closing[0]?.event_type === "session_ended" ? "ended" : "expired");
      }),
    );
  });

  it("does not touch sessions that are not due", async () => {
    const answer = await api<{ session: SessionBody }>("POST", "/sessions", {
      key: app,
      body: { user_id: uniqueUser(), performer_id: "app", ttl_seconds: 3600 },
    });
    await expireDueSessions(forever);
    const id = answer.body.session.session_id;
    expect((await api<SessionBody>("GET", `/sessions/${id}`, { key: app })).body.status).toBe(
      "active",
    );
  });

  it("runs once from `npm run expire` against the running stack and prints how many it closed", async () => {
    const { expiresAt } = await startShort();
    await untilPast(expiresAt);
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--import", "tsx", "infra/cli/expire.ts"],
      {
        env: { ...process.env, DATA_DIR: inject("dataDir"), TABLE_NAME: "" },
      },
    );
    expect(stdout).toMatch(/^closed [1-9]\d* sessions/);
  });
});

describe("retention", () => {
  it("sets the TTL attribute on a closed session and on its events, and keeps them readable", async () => {
    const { id, expiresAt } = await startShort();
    await untilPast(expiresAt);
    await expireDueSessions(forever);
    const session = await dynamo().send(
      new GetCommand({
        TableName: tableName(),
        Key: keys.session(tenant, id),
        ConsistentRead: true,
      }),
    );
    const ttl = session.Item?.[TTL_ATTRIBUTE];
    expect(typeof ttl).toBe("number");
    const days = (Number(ttl) * 1000 - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThan(30.1);
    const events = await closingEvents(id);
    expect(typeof events[0]?.[TTL_ATTRIBUTE]).toBe("number");
    expect((await api("GET", `/sessions/${id}`, { key: admin })).status).toBe(200);
    expect((await api("GET", `/sessions/${id}/events`, { key: admin })).status).toBe(200);
  });
});

describe("statistics", () => {
  it("counts the tenant's sessions by status, for admin and support only", async () => {
    const statsTenant = uniqueTenant("stats");
    const [statsAdmin, statsApp, statsSupport] = await Promise.all([
      newKey(statsTenant, "admin"),
      newKey(statsTenant, "app"),
      newKey(statsTenant, "support"),
    ]);
    const users = ["a", "b", "c", "d"];
    const ids: string[] = [];
    for (const user of users) {
      const answer = await api<{ session: SessionBody }>("POST", "/sessions", {
        key: statsApp,
        body: { user_id: user, performer_id: "p" },
      });
      ids.push(answer.body.session.session_id);
    }
    await api("POST", `/sessions/${ids[0]}/end`, {
      key: statsApp,
      body: { user_id: "a", performer_id: "p" },
    });
    await api("POST", `/sessions/${ids[1]}/pause`, {
      key: statsApp,
      body: { user_id: "b", performer_id: "p" },
    });
    await api("DELETE", `/sessions/${ids[2]}`, { key: statsAdmin });
    const stats = await api<{ counts: Record<string, number>; open: number; total: number }>(
      "GET",
      "/statistics",
      {
        key: statsSupport,
      },
    );
    expect(stats.status).toBe(200);
    expect(stats.body.counts).toEqual({ active: 1, paused: 1, ended: 1, expired: 0 });
    expect(stats.body.open).toBe(2);
    expect(stats.body.total).toBe(3);
    expect((await api("GET", "/statistics", { key: statsAdmin })).status).toBe(200);
    expect((await api("GET", "/statistics", { key: statsApp })).status).toBe(403);
  });
});

describe("an overdue session before the expiry job reaches it", () => {
  it("reads as expired by system on every route, refuses changes with 409, and ends with one session_expired event", async () => {
    const overdueTenant = uniqueTenant("overdue");
    const [key, support] = await Promise.all([
      newKey(overdueTenant, "app"),
      newKey(overdueTenant, "support"),
    ]);
    const start = async (user: string) =>
      (
        await api<{ session: SessionBody }>("POST", "/sessions", {
          key,
          body: { user_id: user, performer_id: "app", ttl_seconds: 1 },
        })
      ).body.session;
    const active = await start("active-user");
    const paused = await start("paused-user");
    const pause = await api("POST", `/sessions/${paused.session_id}/pause`, {
      key,
      body: { user_id: "paused-user", performer_id: "app" },
    });
    expect(pause.status).toBe(200);
    await untilPast(paused.expires_at);

    for (const session of [active, paused]) {
      const read = await api<SessionBody & { ended_at: string }>(
        "GET",
        `/sessions/${session.session_id}`,
        { key },
      );
      expect(read.body).toMatchObject({
        status: "expired",
        ended_by: "system",
        ended_at: session.expires_at,
      });
    }
    const listed = async (status: string) =>
      (
        await api<{ items: SessionBody[] }>("GET", `/sessions?status=${status}`, { key })
      ).body.items.map((item) => item.session_id);
    expect(new Set(await listed("expired"))).toEqual(
      new Set([active.session_id, paused.session_id]),
    );
    expect(await listed("active")).toEqual([]);
    expect(await listed("paused")).toEqual([]);
    const stats = await api<{ counts: Record<string, number> }>("GET", "/statistics", {
      key: support,
    });
    expect(stats.body.counts).toEqual({ active: 0, paused: 0, ended: 0, expired: 2 });
    const investigated = await api<{ session_status: string; lifecycle_status: string }>(
      "GET",
      `/sessions/${active.session_id}/investigate`,
      { key },
    );
    expect(investigated.body).toMatchObject({
      session_status: "expired",
      lifecycle_status: "expired",
    });

    const append = await api<{ error_code: string }>(
      "POST",
      `/sessions/${active.session_id}/events`,
      { key, body: { events: [{ event_type: "info" }] } },
    );
    expect(append.status).toBe(409);
    expect(append.body.error_code).toBe("SESSION_ALREADY_ENDED");
    for (const [session, user] of [
      [active, "active-user"],
      [paused, "paused-user"],
    ] as const) {
      for (const action of ["end", "pause", "resume"]) {
        const answer = await api<{ error_code: string }>(
          "POST",
          `/sessions/${session.session_id}/${action}`,
          { key, body: { user_id: user, performer_id: "app" } },
        );
        expect(answer.status).toBe(409);
        expect(answer.body.error_code).toBe("SESSION_ALREADY_ENDED");
      }
    }

    await expireDueSessions(forever);
    for (const session of [active, paused]) {
      const expired = await api<{ items: { event_type: string; performer_id: string }[] }>(
        "GET",
        `/sessions/${session.session_id}/events?event_type=session_expired`,
        { key },
      );
      expect(expired.body.items).toEqual([
        expect.objectContaining({ event_type: "session_expired", performer_id: "system" }),
      ]);
      const read = await api<SessionBody & { ended_at: string }>(
        "GET",
        `/sessions/${session.session_id}`,
        { key },
      );
      expect(read.body).toMatchObject({
        status: "expired",
        ended_by: "system",
        ended_at: session.expires_at,
      });
    }
    const after = await api<{ counts: Record<string, number> }>("GET", "/statistics", {
      key: support,
    });
    expect(after.body.counts).toEqual({ active: 0, paused: 0, ended: 0, expired: 2 });
  });
});
