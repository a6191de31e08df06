/**
 * Listing cursors are tamper-evident: a `next_cursor` pages on only for the
 * tenant, key scope and filters it was issued for, sent back unchanged.
 * Anything else is 400 VALIDATION_ERROR naming `cursor`.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { ApiError, RouteInput } from "#shared/client/client.ts";
import {
  endSessionRoute,
  listSessionsRoute,
  startSessionRoute,
} from "#shared/contract/routes/sessions.ts";
import { createApiKey } from "#shared/usecases/api-keys.ts";
import { uniqueTenant, uniqueUser, useStackStorage } from "../support/api.ts";
import { refusal, stackClient } from "../support/client.ts";

type ListQuery = RouteInput<typeof listSessionsRoute>["query"];

let tenant: string;
let admin: string;
let ownA: string;
let ownB: string;
/** Started oldest first, by `admin`, labelled `a:b`, the first two ended. */
const started: string[] = [];

function list(key: string, query: ListQuery) {
  return stackClient(key).call(listSessionsRoute, { query });
}

async function expectCursorRefused(key: string, query: ListQuery, what: string): Promise<void> {
  const answer: ApiError = await refusal(list(key, query));
  expect(answer.status, what).toBe(400);
  expect(answer.error_code, what).toBe("VALIDATION_ERROR");
  expect(answer.details?.field, what).toBe("cursor");
}

beforeAll(async () => {
  useStackStorage();
  tenant = uniqueTenant("cursors");
  const keys = await Promise.all([
    createApiKey(tenant, "admin"),
    createApiKey(tenant, "admin", null, "own"),
    createApiKey(tenant, "admin", null, "own"),
  ]);
  [admin, ownA, ownB] = keys.map((key) => key.plainKey) as [string, string, string];
  for (let index = 0; index < 4; index += 1) {
    const user = uniqueUser("cursor");
    const answer = await stackClient(admin).call(startSessionRoute, {
      body: { user_id: user, performer_id: "p", labels: { a: "b" } },
    });
    expect(answer.status).toBe(201);
    started.push(answer.body.session.session_id);
    if (index < 2) {
      const end = await stackClient(admin).call(endSessionRoute, {
        params: { id: answer.body.session.session_id },
        body: { user_id: user, performer_id: "p" },
      });
      expect(end.status).toBe(200);
    }
  }
  for (const key of [ownA, ownB]) {
    for (let index = 0; index < 2; index += 1) {
      const answer = await stackClient(key).call(startSessionRoute, {
        body: { user_id: uniqueUser("own"), performer_id: "p" },
      });
      expect(answer.status).toBe(201);
    }
  }
});

describe("listing cursors", () => {
  it("page on with the filters they were issued for", async () => {
    const seen: string[] = [];
    const filters = { status: "ended", label: "a:b", limit: 1 } as const;
    let query: ListQuery = filters;
    for (;;) {
      const page = await list(admin, query);
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((item) => item.session_id));
      if (!page.body.next_cursor) break;
      query = { ...filters, cursor: page.body.next_cursor };
    }
    expect(seen).toEqual([started[1], started[0]]);
  });

  it("are refused with other filters, with 400 naming cursor", async () => {
    const first = await list(admin, { limit: 1 });
    const cursor = first.body.next_cursor ?? "";
    expect(cursor).not.toBe("");
    const filterSets: ListQuery[] = [
      { status: "ended" },
      { status: "active" },
      { label: "a:b" },
      { outcome: "completed" },
      { user_id: uniqueUser() },
      { created_after: "2000-01-01T00:00:00Z" },
      { created_before: "2999-01-01T00:00:00Z" },
    ];
    for (const filters of filterSets) {
      await expectCursorRefused(admin, { limit: 1, ...filters, cursor }, JSON.stringify(filters));
    }
    // The limit is not a filter: a page may be asked in another size.
    expect((await list(admin, { limit: 3, cursor })).status).toBe(200);
  });

  it("are refused from another tenant, and between keys of different scopes", async () => {
    const tenantCursor = (await list(admin, { limit: 1 })).body.next_cursor ?? "";
    const ownCursor = (await list(ownA, { limit: 1 })).body.next_cursor ?? "";
    expect(tenantCursor).not.toBe("");
    expect(ownCursor).not.toBe("");
    const otherTenant = (await createApiKey(uniqueTenant("cursor-other"), "admin")).plainKey;
    const tenantQuery = { limit: 1, cursor: tenantCursor };
    const ownQuery = { limit: 1, cursor: ownCursor };
    await expectCursorRefused(otherTenant, tenantQuery, "another tenant");
    await expectCursorRefused(ownA, tenantQuery, "a tenant cursor with an own key");
    await expectCursorRefused(ownB, ownQuery, "another own key's cursor");
    await expectCursorRefused(admin, ownQuery, "an own cursor with a tenant key");
    expect((await list(ownA, ownQuery)).status).toBe(200);
  });

  it("are refused when hand-made or changed in any character", async () => {
    const cursor = (await list(admin, { limit: 1 })).body.next_cursor ?? "";
    const position = `2099-01-01T00:00:00.000Z#${started[0]}`;
    const handMade = [
      Buffer.from(JSON.stringify({ v: 1, p: position })).toString("base64url"),
      Buffer.from(JSON.stringify({ v: 2, p: position })).toString("base64url"),
      `${Buffer.from(JSON.stringify({ v: 2, p: position })).toString("base64url")}.${cursor.split(".")[1]}`,
    ];
    const changed = [
      `${cursor}A`,
      `${cursor}=`,
      cursor.slice(0, -1),
      `A${cursor}`,
      `${cursor.slice(0, -1)}${cursor.endsWith("A") ? "B" : "A"}`,
      `${cursor.slice(0, 4)}${cursor[4] === "A" ? "B" : "A"}${cursor.slice(5)}`,
    ];
    for (const bad of [...handMade, ...changed]) {
      await expectCursorRefused(admin, { limit: 1, cursor: bad }, bad);
    }
  });
});
