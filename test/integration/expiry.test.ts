import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { GetCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { tableName } from "#shared/config.ts";
import { appendEventsRoute, listEventsRoute } from "#shared/contract/routes/events.ts";
import { getStatisticsRoute } from "#shared/contract/routes/service.ts";
import {
  deleteSessionRoute,
  endSessionRoute,
  getSessionRoute,
  listSessionsRoute,
  pauseSessionRoute,
  resumeSessionRoute,
  startSessionRoute,
} from "#shared/contract/routes/sessions.ts";
import { investigateSessionRoute } from "#shared/contract/routes/workspaces.ts";
import { dynamo } from "#shared/storage/clients.ts";
import { keys, TTL_ATTRIBUTE } from "#shared/storage/keys.ts";
import { expireDueSessions, expireSession } from "#shared/usecases/expiry.ts";
import { newKey, uniqueTenant, uniqueUser, useStackStorage } from "../support/api.ts";
import { refusal, stackClient, statusOf } from "../support/client.ts";

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
  const answer = await stackClient(app).call(startSessionRoute, {
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

function read(id: string, key = app) {
  return stackClient(key).call(getSessionRoute, { params: { id } });
}

function expiredEvents(id: string, key = app) {
  return stackClient(key).call(listEventsRoute, {
    params: { id },
    query: { event_type: "session_expired" },
  });
}

describe("the expiry job", () => {
  it("closes an overdue session as system, with one session_expired event, and releases the lock", async () => {
    const { id, user, expiresAt } = await startShort();
    await untilPast(expiresAt);
    const report = await expireDueSessions(forever);
    expect(report.expired).toBeGreaterThanOrEqual(1);
    const session = await read(id);
    expect(session.body).toMatchObject({ status: "expired", ended_by: "system" });
    const events = await expiredEvents(id);
    expect(events.body.items).toEqual([
      expect.objectContaining({
        event_type: "session_expired",
        performer_id: "system",
        source: "session_manager",
      }),
    ]);
    const again = await stackClient(app).call(startSessionRoute, {
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
          statusOf(
            stackClient(app).call(endSessionRoute, {
              params: { id },
              body: { user_id: user, performer_id: "app" },
            }),
          ),
          expireSession({ tenant, sessionId: id, expiresAt }, new Date().toISOString()),
        ]);
        expect([200, 409]).toContain(ended);
        const closing = await closingEvents(id);
        expect(closing).toHaveLength(1);
        const status = (await read(id)).body.status;
        expect(status).toBe(closing[0]?.event_type === "session_ended" ? "ended" : "expired");
      }),
    );
  });

  it("does not touch sessions that are not due", async () => {
    const answer = await stackClient(app).call(startSessionRoute, {
      body: { user_id: uniqueUser(), performer_id: "app", ttl_seconds: 3600 },
    });
    await expireDueSessions(forever);
    const id = answer.body.session.session_id;
    expect((await read(id)).body.status).toBe("active");
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
    expect((await read(id, admin)).status).toBe(200);
    const eventPage = await stackClient(admin).call(listEventsRoute, { params: { id } });
    expect(eventPage.status).toBe(200);
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
      const answer = await stackClient(statsApp).call(startSessionRoute, {
        body: { user_id: user, performer_id: "p" },
      });
      ids.push(answer.body.session.session_id);
    }
    await stackClient(statsApp).call(endSessionRoute, {
      params: { id: ids[0] ?? "" },
      body: { user_id: "a", performer_id: "p" },
    });
    await stackClient(statsApp).call(pauseSessionRoute, {
      params: { id: ids[1] ?? "" },
      body: { user_id: "b", performer_id: "p" },
    });
    await stackClient(statsAdmin).call(deleteSessionRoute, { params: { id: ids[2] ?? "" } });
    const statistics = (key: string) => stackClient(key).call(getStatisticsRoute);
    const stats = await statistics(statsSupport);
    expect(stats.status).toBe(200);
    expect(stats.body.counts).toEqual({ active: 1, paused: 1, ended: 1, expired: 0 });
    expect(stats.body.open).toBe(2);
    expect(stats.body.total).toBe(3);
    expect((await statistics(statsAdmin)).status).toBe(200);
    expect((await refusal(statistics(statsApp))).status).toBe(403);
  });
});

describe("an overdue session before the expiry job reaches it", () => {
  it("reads as expired by system on every route, refuses changes with 409, and ends with one session_expired event", async () => {
    const overdueTenant = uniqueTenant("overdue");
    const [key, support] = await Promise.all([
      newKey(overdueTenant, "app"),
      newKey(overdueTenant, "support"),
    ]);
    const client = stackClient(key);
    const start = async (user: string) =>
      (
        await client.call(startSessionRoute, {
          body: { user_id: user, performer_id: "app", ttl_seconds: 1 },
        })
      ).body.session;
    const active = await start("active-user");
    const paused = await start("paused-user");
    const pause = await client.call(pauseSessionRoute, {
      params: { id: paused.session_id },
      body: { user_id: "paused-user", performer_id: "app" },
    });
    expect(pause.status).toBe(200);
    await untilPast(paused.expires_at);

    for (const session of [active, paused]) {
      const answer = await read(session.session_id, key);
      expect(answer.body).toMatchObject({
        status: "expired",
        ended_by: "system",
        ended_at: session.expires_at,
      });
    }
    const listed = async (status: "active" | "paused" | "expired") =>
      (await client.call(listSessionsRoute, { query: { status } })).body.items.map(
        (item) => item.session_id,
      );
    expect(new Set(await listed("expired"))).toEqual(
      new Set([active.session_id, paused.session_id]),
    );
    expect(await listed("active")).toEqual([]);
    expect(await listed("paused")).toEqual([]);
    const stats = await stackClient(support).call(getStatisticsRoute);
    expect(stats.body.counts).toEqual({ active: 0, paused: 0, ended: 0, expired: 2 });
    const investigated = await client.call(investigateSessionRoute, {
      params: { id: active.session_id },
    });
    expect(investigated.body).toMatchObject({
      session_status: "expired",
      lifecycle_status: "expired",
    });

    const append = await refusal(
      client.call(appendEventsRoute, {
        params: { id: active.session_id },
        body: { events: [{ event_type: "info" }] },
      }),
    );
    expect(append.status).toBe(409);
    expect(append.error_code).toBe("SESSION_ALREADY_ENDED");
    for (const [session, user] of [
      [active, "active-user"],
      [paused, "paused-user"],
    ] as const) {
      for (const route of [endSessionRoute, pauseSessionRoute, resumeSessionRoute]) {
        const answer = await refusal(
          client.call(route, {
            params: { id: session.session_id },
            body: { user_id: user, performer_id: "app" },
          }),
        );
        expect(answer.status).toBe(409);
        expect(answer.error_code).toBe("SESSION_ALREADY_ENDED");
      }
    }

    await expireDueSessions(forever);
    for (const session of [active, paused]) {
      const expired = await expiredEvents(session.session_id, key);
      expect(expired.body.items).toEqual([
        expect.objectContaining({ event_type: "session_expired", performer_id: "system" }),
      ]);
      const answer = await read(session.session_id, key);
      expect(answer.body).toMatchObject({
        status: "expired",
        ended_by: "system",
        ended_at: session.expires_at,
      });
    }
    const after = await stackClient(support).call(getStatisticsRoute);
    expect(after.body.counts).toEqual({ active: 0, paused: 0, ended: 0, expired: 2 });
  });
});
