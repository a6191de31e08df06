/**
 * A writer appending again to its session commits on the session as its last
 * append left it, without reading it. These tests change the session
 * somewhere else in between, as another Lambda container would: the test
 * process runs the same use cases on the same table, while the appends go
 * over HTTP to the local stack. Each next append must see the change.
 */
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { tableName } from "#shared/config.ts";
import { appendEventsRoute } from "#shared/contract/routes/events.ts";
import {
  deleteSessionRoute,
  getSessionRoute,
  startSessionRoute,
} from "#shared/contract/routes/sessions.ts";
import type { Principal } from "#shared/domain/principal.ts";
import { dynamo } from "#shared/storage/clients.ts";
import { keys } from "#shared/storage/keys.ts";
import { appendEvents } from "#shared/usecases/events/append.ts";
import { expireSession } from "#shared/usecases/expiry.ts";
import { newKey, uniqueTenant, uniqueUser, useStackStorage } from "../support/api.ts";
import { refusal, stackClient, statusOf } from "../support/client.ts";
import {
  invariantViolations,
  readPartition,
  readTenant,
} from "./reliability/storage-invariants.ts";

let tenant: string;
let app: string;
let admin: string;
/** The other container: a tenant-wide key's principal, used in this process. */
let elsewhere: Principal;

beforeAll(async () => {
  useStackStorage();
  tenant = uniqueTenant("elsewhere");
  [app, admin] = await Promise.all([newKey(tenant, "app"), newKey(tenant, "admin")]);
  elsewhere = { tenantId: tenant, keyId: "other-container", role: "app", scope: "tenant" };
});

async function newSession(): Promise<{ id: string; expiresAt: string }> {
  const answer = await stackClient(app).call(startSessionRoute, {
    body: { user_id: uniqueUser(), performer_id: "worker" },
  });
  expect(answer.status).toBe(201);
  return { id: answer.body.session.session_id, expiresAt: answer.body.session.expires_at };
}

/** One event over HTTP; twice in a row first, so the stack has a last commit to go on. */
function append(id: string, type = "step") {
  return stackClient(app).call(appendEventsRoute, {
    params: { id },
    body: { events: [{ event_type: type }] },
  });
}

async function appended(id: string, type = "step"): Promise<{ first: number; last: number }> {
  const answer = await append(id, type);
  expect(answer.status).toBe(201);
  return { first: answer.body.first_seq, last: answer.body.last_seq };
}

async function storedEvents(id: string) {
  const { events } = await readPartition(tenant, id);
  return events.map((event) => ({
    seq: Number(event.seq),
    type: String(event.event_type),
    typeOrd: Number(event.type_ord),
  }));
}

describe("an append after the session changed elsewhere", () => {
  it("takes the next seqs after another container's appends, and the next ordinals of each type", async () => {
    const { id } = await newSession();
    expect(await appended(id)).toEqual({ first: 2, last: 2 });
    expect(await appended(id)).toEqual({ first: 3, last: 3 });
    const theirs = await appendEvents(elsewhere, id, [
      { event_type: "step" },
      { event_type: "other" },
    ]);
    expect([theirs.first_seq, theirs.last_seq]).toEqual([4, 5]);

    expect(await appended(id)).toEqual({ first: 6, last: 6 });
    expect(await appended(id, "other")).toEqual({ first: 7, last: 7 });

    const events = await storedEvents(id);
    expect(events.map((event) => event.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    const ordinals = (type: string) =>
      events.filter((event) => event.type === type).map((event) => event.typeOrd);
    expect(ordinals("step")).toEqual([1, 2, 3, 4]);
    expect(ordinals("other")).toEqual([1, 2]);
    expect(invariantViolations(await readTenant(tenant))).toEqual([]);
  });

  it("is refused once another container has expired the session", async () => {
    const { id, expiresAt } = await newSession();
    await appended(id);
    await appended(id);
    const outcome = await expireSession(
      { tenant, sessionId: id, expiresAt },
      "2999-01-01T00:00:00.000Z",
    );
    expect(outcome).toBe("expired");

    const answer = await refusal(append(id));
    expect([answer.status, answer.error_code]).toEqual([409, "SESSION_ALREADY_ENDED"]);
    expect((await storedEvents(id)).map((event) => event.type)).toEqual([
      "session_started",
      "step",
      "step",
      "session_expired",
    ]);
  });

  it("sees a change of the session's own fields that moved its version and nothing else", async () => {
    const { id } = await newSession();
    await appended(id);
    await appended(id);
    // Due already, at a new version, with last_seq untouched: only the version says it changed.
    await dynamo().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.session(tenant, id),
        UpdateExpression: "SET expires_at = :past, version = version + :one",
        ExpressionAttributeValues: { ":past": "2000-01-01T00:00:00.000Z", ":one": 1 },
      }),
    );

    const answer = await refusal(append(id));
    expect([answer.status, answer.error_code]).toEqual([409, "SESSION_ALREADY_ENDED"]);
    const session = await stackClient(app).call(getSessionRoute, { params: { id } });
    expect(session.status).toBe(200);
    expect(session.body.status).toBe("expired");
    expect((await storedEvents(id)).map((event) => event.seq)).toEqual([1, 2, 3, 4]);
  });

  it("is a 404 once the session is deleted, and writes nothing", async () => {
    const { id } = await newSession();
    await appended(id);
    await appended(id);
    expect(
      await statusOf(stackClient(admin).call(deleteSessionRoute, { params: { id } })),
    ).toBeLessThan(300);

    const answer = await refusal(append(id));
    expect([answer.status, answer.error_code]).toEqual([404, "NOT_FOUND"]);
    const { session, events } = await readPartition(tenant, id);
    expect(session?.deleting === true || session === undefined).toBe(true);
    expect(events.filter((event) => Number(event.seq) > 3)).toEqual([]);
  });
});
