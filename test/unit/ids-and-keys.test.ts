import { describe, expect, it } from "vitest";
import {
  isSessionId,
  newApiKey,
  newRecordId,
  newSessionId,
  TENANT_ID_PATTERN,
  USER_ID_PATTERN,
} from "#shared/domain/ids.ts";
import {
  EVENT_SK_PREFIX,
  eventSk,
  keys,
  objectKeys,
  parseExpiryIndexSk,
  SESSION_SK,
  seqFromEventSk,
} from "#shared/storage/keys.ts";
import { decodeCursor, encodeCursor } from "#shared/usecases/cursor.ts";

describe("ids", () => {
  it("makes session ids of sess_ and 22 base64url characters, all different", () => {
    const ids = Array.from({ length: 1000 }, newSessionId);
    for (const id of ids) expect(isSessionId(id)).toBe(true);
    expect(new Set(ids).size).toBe(1000);
    expect(isSessionId("sess_short")).toBe(false);
    expect(isSessionId(`sess_${"a".repeat(21)}/`)).toBe(false);
    expect(isSessionId(`${newSessionId()}x`)).toBe(false);
  });

  it("makes UUIDv4 record ids and long random API keys", () => {
    expect(newRecordId()).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(newApiKey().length).toBeGreaterThan(40);
  });

  it("narrows tenant and user ids to characters that cannot break a key", () => {
    expect(TENANT_ID_PATTERN.test("acme-1")).toBe(true);
    for (const bad of ["Acme", "-acme", "a#b", "", "a".repeat(64)])
      expect(TENANT_ID_PATTERN.test(bad)).toBe(false);
    expect(USER_ID_PATTERN.test("user@example.com")).toBe(true);
    for (const bad of ["a#b", "a b", "", "é", "a/b"]) expect(USER_ID_PATTERN.test(bad)).toBe(false);
  });
});

describe("storage keys", () => {
  it("puts the tenant in every partition key and prefix", () => {
    expect(keys.session("acme", "sess_x").pk).toBe("T#acme#S#sess_x");
    expect(keys.openLock("acme", "u1")).toEqual({ pk: "T#acme#U#u1", sk: "OPEN" });
    expect(keys.session("acme", "sess_x").pk).not.toBe(keys.session("other", "sess_x").pk);
    expect(objectKeys.workspacePrefix("acme", "sess_x")).toBe("workspaces/acme/sess_x/");
    expect(objectKeys.relativePath("acme", "sess_x", "workspaces/acme/sess_x/logs/a.log")).toBe(
      "logs/a.log",
    );
    expect(
      objectKeys.relativePath("other", "sess_x", "workspaces/acme/sess_x/logs/a.log"),
    ).toBeUndefined();
  });

  it("sorts event keys numerically and before the session item", () => {
    const sorted = [eventSk(10), eventSk(9), SESSION_SK, eventSk(100)].sort();
    expect(sorted).toEqual([eventSk(9), eventSk(10), eventSk(100), SESSION_SK]);
    expect(eventSk(42).startsWith(EVENT_SK_PREFIX)).toBe(true);
    expect(seqFromEventSk(eventSk(123456))).toBe(123456);
  });

  it("keeps the log summary items after the session item so they never mix with events", () => {
    expect(keys.logSummary("acme", "sess_x", "logs/a.log", "etag").sk > SESSION_SK).toBe(true);
  });

  it("reads the expiry index sort key back", () => {
    expect(parseExpiryIndexSk("2026-11-21T12:00:00.000Z#acme#sess_x")).toEqual({
      expiresAt: "2026-11-21T12:00:00.000Z",
      tenant: "acme",
      sessionId: "sess_x",
    });
    expect(parseExpiryIndexSk("nonsense")).toBeUndefined();
  });
});

describe("listing cursors", () => {
  const secret = "s".repeat(32);
  const position = "2026-11-21T12:00:00.000Z#sess_AAAAAAAAAAAAAAAAAAAAAA";
  const context = { tenant: "acme", keyScope: "tenant", filters: { status: "ended" } };

  it("round-trips a position for the same tenant, key scope and filters", () => {
    expect(decodeCursor(encodeCursor(position, context, secret), context, secret)).toBe(position);
  });

  it("refuses a cursor made for another context, under another secret, or changed at all", () => {
    const cursor = encodeCursor(position, context, secret);
    const [payload = "", tag = ""] = cursor.split(".");
    const unsigned = Buffer.from(JSON.stringify({ v: 1, p: position })).toString("base64url");
    const flipped = `${tag.slice(0, -1)}${tag.endsWith("A") ? "B" : "A"}`;
    const others = [
      { ...context, tenant: "other" },
      { ...context, keyScope: "own:key-1" },
      { ...context, filters: {} },
      { ...context, filters: { status: "ended", label: "a:b" } },
    ];
    for (const other of others) {
      expect(() => decodeCursor(cursor, other, secret)).toThrowError(/cursor/);
    }
    for (const bad of ["", "!!", "e30", unsigned, `${cursor}A`, cursor.slice(0, -1)]) {
      expect(() => decodeCursor(bad, context, secret)).toThrowError(/cursor/);
    }
    expect(() => decodeCursor(`${payload}.${flipped}`, context, secret)).toThrowError(/cursor/);
    expect(() => decodeCursor(cursor, context, "t".repeat(32))).toThrowError(/cursor/);
  });
});
