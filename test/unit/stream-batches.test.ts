/** How events become push messages, and which stream records reach the fan-out. */
import { EventEmitter } from "node:events";
import { describe, expect, it, vi } from "vitest";
import { Supervisor } from "#infra/local/supervisor.ts";
import type { SessionEvent } from "#shared/contract/schemas/event.ts";
import { eventMessages, gapFor } from "#shared/domain/stream-batches.ts";
import { eventSk, keys } from "#shared/storage/keys.ts";
import { changeOf, passesStreamFilter } from "#shared/storage/stream-records.ts";

const SESSION = "sess_AAAAAAAAAAAAAAAAAAAAAA";

function event(seq: number, message = "m"): SessionEvent {
  return {
    record_id: "5f0c6d1e-8a4b-4c2d-9e7f-0a1b2c3d4e5f",
    session_id: SESSION,
    user_id: "u",
    seq,
    event_type: "info",
    timestamp: "2026-11-21T12:00:00.000Z",
    source: "api",
    performer_id: "p",
    step_id: null,
    message,
    event_data: {},
  };
}

describe("event messages", () => {
  it("keeps seq order and splits so no message passes the limit", () => {
    const events = [5, 3, 4, 1, 2].map((seq) => event(seq, "x".repeat(400)));
    const messages = eventMessages(SESSION, events, 1200);
    expect(messages.length).toBeGreaterThan(1);
    for (const message of messages)
      expect(Buffer.byteLength(JSON.stringify(message))).toBeLessThanOrEqual(1200);
    expect(
      messages.flatMap((message) =>
        message.type === "events" ? message.items.map((item) => item.seq) : [],
      ),
    ).toEqual([1, 2, 3, 4, 5]);
  });

  it("turns an event too large for any message into a gap around it", () => {
    const messages = eventMessages(SESSION, [event(1), event(2, "y".repeat(5000)), event(3)], 2000);
    expect(messages.map((message) => message.type)).toEqual(["events", "gap", "events"]);
    expect(messages[1]).toEqual({ type: "gap", session_id: SESSION, after: 1, before: 3 });
    expect(gapFor(messages[0] ?? { type: "pong" })).toEqual({
      type: "gap",
      session_id: SESSION,
      after: 0,
      before: 2,
    });
  });
});

describe("stream records", () => {
  const eventKey = keys.event("acme", SESSION, 7);
  const sessionKey = keys.session("acme", SESSION);
  const record = (eventName: string, key: { pk: string; sk: string }) => ({
    eventName,
    dynamodb: { Keys: { pk: { S: key.pk }, sk: { S: key.sk } } },
  });

  it("passes event inserts and session removals, nothing else", () => {
    expect(passesStreamFilter(record("INSERT", eventKey))).toBe(true);
    expect(passesStreamFilter(record("REMOVE", sessionKey))).toBe(true);
    expect(passesStreamFilter(record("MODIFY", sessionKey))).toBe(false);
    expect(passesStreamFilter(record("REMOVE", eventKey))).toBe(false);
    expect(passesStreamFilter(record("INSERT", keys.subscription("acme", SESSION, "c1")))).toBe(
      false,
    );
    expect(eventKey.sk).toBe(eventSk(7));
  });

  it("reads the tenant and session of a removed session from its keys", () => {
    expect(changeOf(record("REMOVE", sessionKey))).toEqual({
      kind: "session_removed",
      tenant: "acme",
      sessionId: SESSION,
    });
    expect(changeOf(record("REMOVE", { pk: "K#abc", sk: "SESSION" }))).toBeUndefined();
  });
});

describe("the supervisor and the stream poller", () => {
  it("restarts a worker that ends and reports it down meanwhile", async () => {
    vi.useFakeTimers();
    try {
      const first = new EventEmitter();
      const second = new EventEmitter();
      const start = vi.fn(async () => second);
      const supervisor = new Supervisor({
        maxRestarts: 3,
        initialBackoffMs: 10,
        maxBackoffMs: 10,
        windowMs: 60_000,
        log: () => undefined,
        onGiveUp: () => undefined,
      });
      supervisor.watch({ label: "stream poller", dependency: "stream", start }, first);
      first.emit("exit", 0, "SIGTERM");
      expect(supervisor.down()).toEqual(["stream"]);
      await vi.advanceTimersByTimeAsync(20);
      expect(start).toHaveBeenCalledTimes(1);
      expect(supervisor.down()).toEqual([]);
    } finally {
      vi.useRealTimers();
    }
  });
});
