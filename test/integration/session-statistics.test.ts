/**
 * GET /sessions/{id}/statistics: counts and times from the counters the
 * session's own transactions keep, and the processing status investigate saw.
 */
import { DeleteCommand } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { tableName } from "#shared/config.ts";
import { appendEventsRoute } from "#shared/contract/routes/events.ts";
import {
  endSessionRoute,
  getSessionStatisticsRoute,
  pauseSessionRoute,
  resumeSessionRoute,
  startSessionRoute,
} from "#shared/contract/routes/sessions.ts";
import { investigateSessionRoute } from "#shared/contract/routes/workspaces.ts";
import { dynamo } from "#shared/storage/clients.ts";
import { keys } from "#shared/storage/keys.ts";
import {
  newKey,
  uniqueTenant,
  uniqueUser,
  uploadThroughApi,
  useStackStorage,
} from "../support/api.ts";
import { refusal, stackClient } from "../support/client.ts";

let tenant: string;
let key: string;

beforeAll(async () => {
  useStackStorage();
  tenant = uniqueTenant("session-stats");
  key = await newKey(tenant, "app");
});

const ms = (from: string, to: string) => Date.parse(to) - Date.parse(from);

const STEPS = { pause: pauseSessionRoute, resume: resumeSessionRoute, end: endSessionRoute };

async function step(id: string, user: string, action: keyof typeof STEPS, outcome?: "completed") {
  const answer = await stackClient(key).call(STEPS[action], {
    params: { id },
    body: { user_id: user, performer_id: "w", ...(outcome ? { outcome } : {}) },
  });
  expect(answer.status).toBe(200);
  return answer.body.event.timestamp;
}

function statistics(id: string) {
  return stackClient(key).call(getSessionStatisticsRoute, { params: { id } });
}

describe("per-session statistics", () => {
  it("counts events by type and times active and paused from the boundary events", async () => {
    const user = uniqueUser("stats");
    const started = await stackClient(key).call(startSessionRoute, {
      body: { user_id: user, performer_id: "w" },
    });
    const id = started.body.session.session_id;
    const startedAt = started.body.event.timestamp;
    const appended = await stackClient(key).call(appendEventsRoute, {
      params: { id },
      body: {
        events: [
          { event_type: "info" },
          { event_type: "info" },
          { event_type: "info" },
          { event_type: "warning" },
          { event_type: "warning" },
        ],
      },
    });
    expect(appended.status).toBe(201);
    const pausedAt = await step(id, user, "pause");
    const resumedAt = await step(id, user, "resume");
    const endedAt = await step(id, user, "end", "completed");

    const stats = await statistics(id);
    expect(stats.status).toBe(200);
    const activeMs = ms(startedAt, pausedAt) + ms(resumedAt, endedAt);
    expect(stats.body).toMatchObject({
      session_id: id,
      status: "ended",
      events: {
        total: 9,
        client: 5,
        by_type: {
          session_started: 1,
          info: 3,
          warning: 2,
          session_paused: 1,
          session_resumed: 1,
          session_ended: 1,
        },
      },
      first_event_at: startedAt,
      last_event_at: endedAt,
      active_seconds: activeMs / 1000,
      paused_seconds: ms(pausedAt, resumedAt) / 1000,
      events_per_active_minute: Math.round((5 / (activeMs / 60_000)) * 100) / 100,
      outcome: "completed",
      processing_status: null,
    });

    // The counts are the session's counters: removing events behind the API changes nothing.
    await dynamo().send(
      new DeleteCommand({ TableName: tableName(), Key: keys.event(tenant, id, 2) }),
    );
    const again = await statistics(id);
    expect({ ...again.body, server_time: "" }).toEqual({ ...stats.body, server_time: "" });
  });

  it("counts an open session's current period up to the time of the answer", async () => {
    const user = uniqueUser("stats-open");
    const started = await stackClient(key).call(startSessionRoute, {
      body: { user_id: user, performer_id: "w" },
    });
    const id = started.body.session.session_id;
    const pausedAt = await step(id, user, "pause");
    const stats = await statistics(id);
    expect(stats.body.status).toBe("paused");
    expect(stats.body.active_seconds).toBe(ms(started.body.event.timestamp, pausedAt) / 1000);
    expect(stats.body.paused_seconds).toBe(ms(pausedAt, stats.body.server_time) / 1000);
  });

  it("shows the processing status investigate last read from status.json", async () => {
    const user = uniqueUser("stats-proc");
    const started = await stackClient(key).call(startSessionRoute, {
      body: { user_id: user, performer_id: "w" },
    });
    const id = started.body.session.session_id;
    await uploadThroughApi(
      key,
      id,
      "status.json",
      JSON.stringify({ status: "processing", progress: 40 }),
      "application/json",
    );
    const before = await statistics(id);
    expect(before.body.processing_status).toBeNull();
    const investigated = await stackClient(key).call(investigateSessionRoute, { params: { id } });
    expect(investigated.status).toBe(200);
    const after = await statistics(id);
    expect(after.body.processing_status).toBe("processing");
    expect(after.body.processing_status_observed_at).toBe(
      investigated.body.investigation_timestamp,
    );
  });

  it("answers 404 for a missing session like every session route", async () => {
    const answer = await refusal(statistics("sess_AAAAAAAAAAAAAAAAAAAAAA"));
    expect(answer.status).toBe(404);
    expect(answer.error_code).toBe("NOT_FOUND");
  });
});
