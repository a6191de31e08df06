/**
 * Keys scoped to their own sessions: an `own` key sees, changes and counts
 * only the sessions it started; every other session of its tenant answers
 * exactly like one that never existed.
 */
import { randomBytes } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { createApiKey } from "#shared/usecases/api-keys.ts";
import {
  api,
  newKey,
  uniqueTenant,
  uniqueUser,
  uploadThroughApi,
  useStackStorage,
} from "../support/api.ts";

interface SessionBody {
  session_id: string;
  status: string;
}
interface StartAnswer {
  session: SessionBody;
}
interface ListAnswer {
  items: SessionBody[];
}
interface StatisticsAnswer {
  counts: Record<string, number>;
  total: number;
}

let tenant: string;
let tenantAdmin: string;
/** Two own-scoped admin keys of the same tenant, and an own-scoped support key. */
let mine: string;
let theirs: string;
let ownSupport: string;

beforeAll(async () => {
  useStackStorage();
  tenant = uniqueTenant("own");
  const [admin, first, second, support] = await Promise.all([
    newKey(tenant, "admin"),
    createApiKey(tenant, "admin", null, "own"),
    createApiKey(tenant, "admin", null, "own"),
    createApiKey(tenant, "support", null, "own"),
  ]);
  tenantAdmin = admin;
  mine = first.plainKey;
  theirs = second.plainKey;
  ownSupport = support.plainKey;
});

async function startAs(key: string, user = uniqueUser("own"), headers?: Record<string, string>) {
  const answer = await api<StartAnswer>("POST", "/sessions", {
    key,
    body: { user_id: user, performer_id: "own-test" },
    headers,
  });
  expect(answer.status).toBe(201);
  return { id: answer.body.session.session_id, user };
}

const neverExisting = () => `sess_${randomBytes(16).toString("base64url")}`;

/** Every route that names a session, as an own key would call it. */
function sessionRequests(id: string, user: string) {
  const transition = { user_id: user, performer_id: "own-test" };
  return [
    { method: "GET", path: `/sessions/${id}` },
    { method: "GET", path: `/sessions/${id}/events` },
    { method: "GET", path: `/sessions/${id}/events?event_type=info` },
    {
      method: "POST",
      path: `/sessions/${id}/events`,
      body: { events: [{ event_type: "info" }] },
    },
    { method: "POST", path: `/sessions/${id}/pause`, body: transition },
    { method: "POST", path: `/sessions/${id}/end`, body: transition },
    {
      method: "POST",
      path: `/sessions/${id}/uploads`,
      body: { path: "input/a.txt", content_type: "text/plain", size_bytes: 1 },
    },
    { method: "GET", path: `/sessions/${id}/files/input/a.txt` },
    { method: "GET", path: `/sessions/${id}/investigate` },
    { method: "GET", path: `/sessions/${id}/statistics` },
    { method: "PATCH", path: `/sessions/${id}`, body: { labels: { seen: "yes" } } },
    { method: "DELETE", path: `/sessions/${id}` },
  ];
}

describe("own-scoped keys", () => {
  it("answer another key's session on every route byte for byte like a session that never existed, and change nothing", async () => {
    const other = await startAs(theirs);
    await uploadThroughApi(theirs, other.id, "input/a.txt", "a", "text/plain");
    const before = await api("GET", `/sessions/${other.id}`, { key: tenantAdmin });
    const ghost = neverExisting();
    for (const request of sessionRequests(other.id, other.user)) {
      const hidden = await api(request.method, request.path, { key: mine, body: request.body });
      const missing = await api(request.method, request.path.replace(other.id, ghost), {
        key: mine,
        body: request.body,
      });
      expect(hidden.status, `${request.method} ${request.path}`).toBe(404);
      expect(hidden.text.split(other.id).join("{id}")).toBe(missing.text.split(ghost).join("{id}"));
    }
    const after = await api("GET", `/sessions/${other.id}`, { key: tenantAdmin });
    expect(after.text).toBe(before.text);
  });

  it("see, change and delete the sessions they started on every route", async () => {
    const own = await startAs(mine);
    await uploadThroughApi(mine, own.id, "input/a.txt", "a", "text/plain");
    const expected: Record<string, number> = {
      [`POST /sessions/${own.id}/events`]: 201,
      [`POST /sessions/${own.id}/uploads`]: 201,
      [`GET /sessions/${own.id}/files/input/a.txt`]: 307,
      [`DELETE /sessions/${own.id}`]: 204,
    };
    for (const request of sessionRequests(own.id, own.user)) {
      const answer = await api(request.method, request.path, { key: mine, body: request.body });
      expect(answer.status, `${request.method} ${request.path}: ${answer.text}`).toBe(
        expected[`${request.method} ${request.path}`] ?? 200,
      );
    }
  });

  it("list only their own sessions, while a tenant key lists everyone's", async () => {
    const own = await startAs(mine);
    const other = await startAs(theirs);
    const listed = await api<ListAnswer>("GET", "/sessions?limit=100", { key: mine });
    const ids = listed.body.items.map((item) => item.session_id);
    expect(ids).toContain(own.id);
    expect(ids).not.toContain(other.id);
    const byUser = await api<ListAnswer>("GET", `/sessions?user_id=${other.user}`, { key: mine });
    expect(byUser.body.items).toEqual([]);
    const all = await api<ListAnswer>("GET", "/sessions?limit=100", { key: tenantAdmin });
    expect(all.body.items.map((item) => item.session_id)).toEqual(
      expect.arrayContaining([own.id, other.id]),
    );
  });

  it("count only the sessions they started in /statistics, through every lifecycle step", async () => {
    const counter = await createApiKey(tenant, "admin", null, "own");
    const first = await startAs(counter.plainKey);
    const second = await startAs(counter.plainKey);
    await startAs(theirs);
    const end = await api("POST", `/sessions/${second.id}/end`, {
      key: counter.plainKey,
      body: { user_id: second.user, performer_id: "own-test" },
    });
    expect(end.status).toBe(200);
    const stats = await api<StatisticsAnswer>("GET", "/statistics", { key: counter.plainKey });
    expect(stats.body.counts).toEqual({ active: 1, paused: 0, ended: 1, expired: 0 });
    expect(stats.body.total).toBe(2);
    const deleted = await api("DELETE", `/sessions/${first.id}`, { key: counter.plainKey });
    expect(deleted.status).toBe(204);
    const afterDelete = await api<StatisticsAnswer>("GET", "/statistics", {
      key: counter.plainKey,
    });
    expect(afterDelete.body.counts).toEqual({ active: 0, paused: 0, ended: 1, expired: 0 });
    const support = await api<StatisticsAnswer>("GET", "/statistics", { key: ownSupport });
    expect(support.body.total).toBe(0);
  });

  it("do not replay another key's answer for the same Idempotency-Key", async () => {
    const headers = { "Idempotency-Key": `same-${Date.now()}` };
    const user = uniqueUser("idem");
    const first = await startAs(mine, user, headers);
    const replay = await api<StartAnswer>("POST", "/sessions", {
      key: theirs,
      body: { user_id: user, performer_id: "own-test" },
      headers,
    });
    // The user's session is open: the other key gets the conflict, not the first key's session.
    expect(replay.status).toBe(409);
    expect(replay.text).not.toContain(first.id);
    const own = await Promise.all(
      Array.from({ length: 5 }, () =>
        api<StartAnswer>("POST", "/sessions", {
          key: mine,
          body: { user_id: user, performer_id: "own-test" },
          headers,
        }),
      ),
    );
    for (const answer of own) {
      expect(answer.status).toBe(201);
      expect(answer.headers.get("idempotent-replayed")).toBe("true");
      expect(answer.body.session.session_id).toBe(first.id);
    }
  });

  it("answer identical starts sent at once with one Idempotency-Key with one session", async () => {
    const headers = { "Idempotency-Key": `burst-${Date.now()}` };
    const user = uniqueUser("burst");
    const answers = await Promise.all(
      Array.from({ length: 8 }, () =>
        api<StartAnswer>("POST", "/sessions", {
          key: mine,
          body: { user_id: user, performer_id: "own-test" },
          headers,
        }),
      ),
    );
    expect(answers.map((answer) => answer.status)).toEqual(Array(8).fill(201));
    expect(new Set(answers.map((answer) => answer.body.session.session_id)).size).toBe(1);
  });

  it("learn no id of another key's open session from ACTIVE_SESSION_EXISTS", async () => {
    const other = await startAs(theirs);
    const conflict = await api<{ details: Record<string, unknown> }>("POST", "/sessions", {
      key: mine,
      body: { user_id: other.user, performer_id: "own-test" },
    });
    expect(conflict.status).toBe(409);
    expect(conflict.body.details.active_session_id).toBeNull();
    const asTenant = await api<{ details: Record<string, unknown> }>("POST", "/sessions", {
      key: tenantAdmin,
      body: { user_id: other.user, performer_id: "own-test" },
    });
    expect(asTenant.body.details.active_session_id).toBe(other.id);
  });
});
