/**
 * Keys scoped to their own sessions: an `own` key sees, changes and counts
 * only the sessions it started; every other session of its tenant answers
 * exactly like one that never existed.
 */
import { randomBytes } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import type { Client } from "#shared/client/client.ts";
import { appendEventsRoute, listEventsRoute } from "#shared/contract/routes/events.ts";
import { getStatisticsRoute } from "#shared/contract/routes/service.ts";
import {
  deleteSessionRoute,
  endSessionRoute,
  getSessionRoute,
  getSessionStatisticsRoute,
  listSessionsRoute,
  pauseSessionRoute,
  startSessionRoute,
  updateSessionRoute,
} from "#shared/contract/routes/sessions.ts";
import {
  createUploadRoute,
  getWorkspaceFileRoute,
  investigateSessionRoute,
} from "#shared/contract/routes/workspaces.ts";
import { createApiKey } from "#shared/usecases/api-keys.ts";
import {
  newKey,
  uniqueTenant,
  uniqueUser,
  uploadThroughApi,
  useStackStorage,
} from "../support/api.ts";
import { answerText, refusal, stackClient } from "../support/client.ts";

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

type StartHeaders = { "Idempotency-Key"?: string };

function start(key: string, user: string, headers: StartHeaders = {}) {
  return stackClient(key).call(startSessionRoute, {
    body: { user_id: user, performer_id: "own-test" },
    headers,
  });
}

async function startAs(key: string, user = uniqueUser("own"), headers: StartHeaders = {}) {
  const answer = await start(key, user, headers);
  expect(answer.status).toBe(201);
  return { id: answer.body.session.session_id, user };
}

const neverExisting = () => `sess_${randomBytes(16).toString("base64url")}`;

type Send = (client: Client, id: string) => Promise<unknown>;

/** Every route that names a session, as an own key would call it. */
function sessionRequests(user: string): { name: string; send: Send }[] {
  const transition = { user_id: user, performer_id: "own-test" };
  const params = (id: string) => ({ params: { id } });
  return [
    { name: "GET /sessions/{id}", send: (c, id) => c.call(getSessionRoute, params(id)) },
    { name: "GET /sessions/{id}/events", send: (c, id) => c.call(listEventsRoute, params(id)) },
    {
      name: "GET /sessions/{id}/events?event_type=info",
      send: (c, id) => c.call(listEventsRoute, { ...params(id), query: { event_type: "info" } }),
    },
    {
      name: "POST /sessions/{id}/events",
      send: (c, id) =>
        c.call(appendEventsRoute, { ...params(id), body: { events: [{ event_type: "info" }] } }),
    },
    {
      name: "POST /sessions/{id}/pause",
      send: (c, id) => c.call(pauseSessionRoute, { ...params(id), body: transition }),
    },
    {
      name: "POST /sessions/{id}/end",
      send: (c, id) => c.call(endSessionRoute, { ...params(id), body: transition }),
    },
    {
      name: "POST /sessions/{id}/uploads",
      send: (c, id) =>
        c.call(createUploadRoute, {
          ...params(id),
          body: { path: "input/a.txt", content_type: "text/plain", size_bytes: 1 },
        }),
    },
    {
      name: "GET /sessions/{id}/files/input/a.txt",
      send: (c, id) => c.call(getWorkspaceFileRoute, { params: { id, path: "input/a.txt" } }),
    },
    {
      name: "GET /sessions/{id}/investigate",
      send: (c, id) => c.call(investigateSessionRoute, params(id)),
    },
    {
      name: "GET /sessions/{id}/statistics",
      send: (c, id) => c.call(getSessionStatisticsRoute, params(id)),
    },
    {
      name: "PATCH /sessions/{id}",
      send: (c, id) =>
        c.call(updateSessionRoute, { ...params(id), body: { labels: { seen: "yes" } } }),
    },
    { name: "DELETE /sessions/{id}", send: (c, id) => c.call(deleteSessionRoute, params(id)) },
  ];
}

describe("own-scoped keys", () => {
  it("answer another key's session on every route byte for byte like a session that never existed, and change nothing", async () => {
    const other = await startAs(theirs);
    await uploadThroughApi(theirs, other.id, "input/a.txt", "a", "text/plain");
    const read = (client: Client) => client.call(getSessionRoute, { params: { id: other.id } });
    const before = await answerText(tenantAdmin, read);
    const ghost = neverExisting();
    for (const request of sessionRequests(other.user)) {
      const hidden = await answerText(mine, (client) => request.send(client, other.id));
      const missing = await answerText(mine, (client) => request.send(client, ghost));
      expect(hidden.status, request.name).toBe(404);
      expect(hidden.text.split(other.id).join("{id}")).toBe(missing.text.split(ghost).join("{id}"));
    }
    const after = await answerText(tenantAdmin, read);
    expect(after.text).toBe(before.text);
  });

  it("see, change and delete the sessions they started on every route", async () => {
    const own = await startAs(mine);
    await uploadThroughApi(mine, own.id, "input/a.txt", "a", "text/plain");
    const expected: Record<string, number> = {
      "POST /sessions/{id}/events": 201,
      "POST /sessions/{id}/uploads": 201,
      "GET /sessions/{id}/files/input/a.txt": 307,
      "DELETE /sessions/{id}": 204,
    };
    for (const request of sessionRequests(own.user)) {
      const answer = await answerText(mine, (client) => request.send(client, own.id));
      expect(answer.status, `${request.name}: ${answer.text}`).toBe(expected[request.name] ?? 200);
    }
  });

  it("list only their own sessions, while a tenant key lists everyone's", async () => {
    const own = await startAs(mine);
    const other = await startAs(theirs);
    const list = (key: string, query: { limit?: number; user_id?: string }) =>
      stackClient(key).call(listSessionsRoute, { query });
    const listed = await list(mine, { limit: 100 });
    const ids = listed.body.items.map((item) => item.session_id);
    expect(ids).toContain(own.id);
    expect(ids).not.toContain(other.id);
    const byUser = await list(mine, { user_id: other.user });
    expect(byUser.body.items).toEqual([]);
    const all = await list(tenantAdmin, { limit: 100 });
    expect(all.body.items.map((item) => item.session_id)).toEqual(
      expect.arrayContaining([own.id, other.id]),
    );
  });

  it("count only the sessions they started in /statistics, through every lifecycle step", async () => {
    const counter = await createApiKey(tenant, "admin", null, "own");
    const first = await startAs(counter.plainKey);
    const second = await startAs(counter.plainKey);
    await startAs(theirs);
    const client = stackClient(counter.plainKey);
    const end = await client.call(endSessionRoute, {
      params: { id: second.id },
      body: { user_id: second.user, performer_id: "own-test" },
    });
    expect(end.status).toBe(200);
    const stats = await client.call(getStatisticsRoute);
    expect(stats.body.counts).toEqual({ active: 1, paused: 0, ended: 1, expired: 0 });
    expect(stats.body.total).toBe(2);
    const deleted = await client.call(deleteSessionRoute, { params: { id: first.id } });
    expect(deleted.status).toBe(204);
    const afterDelete = await client.call(getStatisticsRoute);
    expect(afterDelete.body.counts).toEqual({ active: 0, paused: 0, ended: 1, expired: 0 });
    const support = await stackClient(ownSupport).call(getStatisticsRoute);
    expect(support.body.total).toBe(0);
  });

  it("do not replay another key's answer for the same Idempotency-Key", async () => {
    const headers = { "Idempotency-Key": `same-${Date.now()}` };
    const user = uniqueUser("idem");
    const first = await startAs(mine, user, headers);
    const replay = await answerText(theirs, (client) =>
      client.call(startSessionRoute, {
        body: { user_id: user, performer_id: "own-test" },
        headers,
      }),
    );
    // The user's session is open: the other key gets the conflict, not the first key's session.
    expect(replay.status).toBe(409);
    expect(replay.text).not.toContain(first.id);
    const own = await Promise.all(Array.from({ length: 5 }, () => start(mine, user, headers)));
    for (const answer of own) {
      expect(answer.status).toBe(201);
      expect(answer.headers.get("idempotent-replayed")).toBe("true");
      expect(answer.body.session.session_id).toBe(first.id);
    }
  });

  it("answer identical starts sent at once with one Idempotency-Key with one session", async () => {
    const headers = { "Idempotency-Key": `burst-${Date.now()}` };
    const user = uniqueUser("burst");
    const answers = await Promise.all(Array.from({ length: 8 }, () => start(mine, user, headers)));
    expect(answers.map((answer) => answer.status)).toEqual(Array(8).fill(201));
    expect(new Set(answers.map((answer) => answer.body.session.session_id)).size).toBe(1);
  });

  it("learn no id of another key's open session from ACTIVE_SESSION_EXISTS", async () => {
    const other = await startAs(theirs);
    const conflict = await refusal(start(mine, other.user));
    expect(conflict.status).toBe(409);
    expect(conflict.details?.active_session_id).toBeNull();
    const asTenant = await refusal(start(tenantAdmin, other.user));
    expect(asTenant.details?.active_session_id).toBe(other.id);
  });
});
