/**
 * The client's types follow the route table: a wrong path parameter, query
 * field, body field, header or answer field does not compile. `tsc` checks
 * the `@ts-expect-error` lines (an error that goes away fails the check);
 * vitest runs the file so the expectations are also seen to hold.
 */
import { describe, expect, expectTypeOf, it } from "vitest";
import { type ApiError, type Client, createClient } from "#shared/client/client.ts";
import { ROUTE_INDEX } from "#shared/client/route-index.ts";
import type { RouteAnswer, RouteInput } from "#shared/client/route-types.ts";
import { appendEventsRoute, type listEventsRoute } from "#shared/contract/routes/events.ts";
import { getHealthRoute } from "#shared/contract/routes/service.ts";
import {
  getSessionRoute,
  listSessionsRoute,
  startSessionRoute,
  updateSessionRoute,
} from "#shared/contract/routes/sessions.ts";
import { getWorkspaceFileRoute } from "#shared/contract/routes/workspaces.ts";
import type { Session } from "#shared/contract/schemas/session.ts";

// Never called: the calls below are here for the compiler.
async function typeChecks(client: Client): Promise<void> {
  const id = "sess_Qm9vdHN0cmFwU2Vzc2lvbg";
  await client.call(getSessionRoute, { params: { id } });
  // @ts-expect-error a path parameter the route does not have
  await client.call(getSessionRoute, { params: { session_id: id } });
  // @ts-expect-error the path parameter is required
  await client.call(getSessionRoute);
  // @ts-expect-error a route without a body takes none
  await client.call(getSessionRoute, { params: { id }, body: {} });

  const started = { user_id: "u1", performer_id: "p1" };
  await client.call(startSessionRoute, { body: started });
  // @ts-expect-error a body field of the wrong type
  await client.call(startSessionRoute, { body: { user_id: 42, performer_id: "p1" } });
  // @ts-expect-error a body field the schema does not have
  await client.call(startSessionRoute, { body: { ...started, colour: "red" } });
  await client.call(startSessionRoute, { body: started, headers: { "Idempotency-Key": "k-1" } });
  // @ts-expect-error a header the route does not read
  await client.call(startSessionRoute, { body: started, headers: { "X-Other": "1" } });

  await client.call(updateSessionRoute, {
    params: { id },
    body: { session_notes: "n" },
    headers: { "If-Match": '"1"' },
  });

  await client.call(listSessionsRoute, { query: { limit: 5, status: "active" } });
  // @ts-expect-error a status the schema does not know
  await client.call(listSessionsRoute, { query: { status: "sleeping" } });
  // @ts-expect-error a query field the route does not have
  await client.call(listSessionsRoute, { query: { page: "2" } });
  await client.call(listSessionsRoute);

  const appended = await client.call(appendEventsRoute, {
    params: { id },
    body: { events: [{ event_type: "step.done" }] },
  });
  expectTypeOf(appended.status).toEqualTypeOf<201>();
  expectTypeOf(appended.body.last_seq).toEqualTypeOf<number>();
  // @ts-expect-error an answer field the schema does not have
  void appended.body.lastSeq;

  const session = await client.call(getSessionRoute, { params: { id } });
  expectTypeOf(session.body).toEqualTypeOf<Session>();

  // Several documented statuses: the status tells the bodies apart.
  const file = await client.call(getWorkspaceFileRoute, {
    params: { id, path: "logs/run.log" },
    query: { redirect: "false" },
  });
  if (file.status === 200) expectTypeOf(file.body.url).toEqualTypeOf<string>();
  else expectTypeOf(file.body).toEqualTypeOf<undefined>();

  // A ROUTE_INDEX entry types the call exactly as its definition does.
  const viaIndex = await client.call(ROUTE_INDEX.getSession, { params: { id } });
  expectTypeOf(viaIndex).toEqualTypeOf<RouteAnswer<typeof getSessionRoute>>();
  // @ts-expect-error the index's route checks its input too
  await client.call(ROUTE_INDEX.getSession, { params: { session: id } });
  expectTypeOf<RouteInput<typeof ROUTE_INDEX.listEvents>>().toEqualTypeOf<
    RouteInput<typeof listEventsRoute>
  >();

  const health = await client.call(getHealthRoute);
  expectTypeOf(health.status).toEqualTypeOf<200 | 503>();
}

describe("the typed client's types", () => {
  it("compile for right calls and not for wrong ones (checked by tsc)", () => {
    expect(typeof typeChecks).toBe("function");
    expectTypeOf<ApiError["error_code"]>().toExtend<string>();
    expect(createClient({ baseUrl: "http://127.0.0.1:1" }).call).toBeTypeOf("function");
  });
});
