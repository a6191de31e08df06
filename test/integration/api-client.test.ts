/**
 * The typed client against the local stack: a session's life through the
 * route definitions themselves (start, read, append, list, end), and an error
 * answer thrown as an ApiError with the contract's error body.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { ApiError } from "#shared/client/client.ts";
import { ROUTE_INDEX } from "#shared/client/route-index.ts";
import { appendEventsRoute, listEventsRoute } from "#shared/contract/routes/events.ts";
import {
  endSessionRoute,
  getSessionRoute,
  listSessionsRoute,
  startSessionRoute,
} from "#shared/contract/routes/sessions.ts";
import { newKey, uniqueTenant, uniqueUser } from "../support/api.ts";
import { stackClient } from "../support/client.ts";

let key: string;

beforeAll(async () => {
  key = await newKey(uniqueTenant("client"), "app");
});

describe("the typed client on the local stack", () => {
  it("starts, reads, appends to, lists and ends a session", async () => {
    const client = stackClient(key);
    const who = { user_id: uniqueUser(), performer_id: "app-test" };

    const started = await client.call(startSessionRoute, { body: who });
    expect(started.status).toBe(201);
    const id = started.body.session.session_id;
    expect(started.headers.get("location")).toContain(id);

    const read = await client.call(getSessionRoute, { params: { id } });
    expect(read.body).toMatchObject({ session_id: id, status: "active", user_id: who.user_id });

    const appended = await client.call(appendEventsRoute, {
      params: { id },
      body: { events: [{ event_type: "step.done" }, { event_type: "step.done" }] },
    });
    expect(appended.status).toBe(201);
    expect(appended.body.items.map((event) => event.event_type)).toEqual([
      "step.done",
      "step.done",
    ]);

    const events = await client.call(listEventsRoute, {
      params: { id },
      query: { order: "asc", event_type: "step.done" },
    });
    expect(events.body.items.map((event) => event.seq)).toEqual(
      appended.body.items.map((event) => event.seq),
    );

    const listed = await client.call(listSessionsRoute, { query: { user_id: who.user_id } });
    expect(listed.body.items.map((session) => session.session_id)).toEqual([id]);

    const ended = await client.call(endSessionRoute, {
      params: { id },
      body: { ...who, outcome: "completed" },
    });
    expect(ended.body.session).toMatchObject({ session_id: id, status: "ended" });

    // The same route named by its index entry, as the browser page names it.
    const again = await client.call(ROUTE_INDEX.getSession, { params: { id } });
    expect(again.body.status).toBe("ended");
  });

  it("throws an error answer as an ApiError carrying the contract's error body", async () => {
    const client = stackClient(key);
    const who = { user_id: uniqueUser(), performer_id: "app-test" };
    const { body } = await client.call(startSessionRoute, { body: who });
    const failure = await client
      .call(startSessionRoute, { body: who })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ApiError);
    expect(failure).toMatchObject({ status: 409, error_code: "ACTIVE_SESSION_EXISTS" });
    expect((failure as ApiError).details).toMatchObject({
      active_session_id: body.session.session_id,
    });

    const anonymous = await stackClient()
      .call(getSessionRoute, { params: { id: body.session.session_id } })
      .catch((error: unknown) => error);
    expect(anonymous).toMatchObject({ status: 401, error_code: "UNAUTHORIZED" });
  });
});
