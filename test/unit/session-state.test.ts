import { describe, expect, it } from "vitest";
import { AppError } from "#shared/domain/errors.ts";
import {
  allowedFrom,
  closes,
  closingPeriod,
  isOpen,
  nextStatus,
  SESSION_STATUSES,
  type SessionStatus,
  type Transition,
  timeInStatus,
} from "#shared/domain/session.ts";

const cases: [SessionStatus, Transition, SessionStatus | string][] = [
  ["active", "pause", "paused"],
  ["paused", "resume", "active"],
  ["active", "end", "ended"],
  ["paused", "end", "ended"],
  ["active", "expire", "expired"],
  ["paused", "expire", "expired"],
  ["paused", "pause", "INVALID_TRANSITION"],
  ["active", "resume", "INVALID_TRANSITION"],
  ["ended", "pause", "SESSION_ALREADY_ENDED"],
  ["expired", "resume", "SESSION_ALREADY_ENDED"],
  ["ended", "end", "SESSION_ALREADY_ENDED"],
  ["expired", "end", "SESSION_ALREADY_ENDED"],
  ["ended", "expire", "SESSION_ALREADY_ENDED"],
];

describe("the session state machine", () => {
  it.each(cases)("from %s, %s gives %s", (from, transition, expected) => {
    if (SESSION_STATUSES.includes(expected as SessionStatus)) {
      expect(nextStatus(from, transition)).toBe(expected);
      expect(allowedFrom(transition)).toContain(from);
    } else {
      let caught: unknown;
      try {
        nextStatus(from, transition);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(AppError);
      expect((caught as AppError).code).toBe(expected);
      expect((caught as AppError).status).toBe(409);
      expect(allowedFrom(transition)).not.toContain(from);
    }
  });

  it("treats active and paused as open, and only end and expire as closing", () => {
    expect(SESSION_STATUSES.filter(isOpen)).toEqual(["active", "paused"]);
    expect((["pause", "resume", "end", "expire"] as const).filter(closes)).toEqual([
      "end",
      "expire",
    ]);
  });
});

describe("time in status", () => {
  const base = {
    created_at: "2026-11-21T12:00:00.000Z",
    expires_at: "2026-11-21T13:00:00.000Z",
    state_since: "2026-11-21T12:10:00.000Z",
    active_ms: 600_000,
    paused_ms: 0,
  };

  it("adds the running period of an open session up to now", () => {
    expect(timeInStatus({ ...base, status: "paused" }, "2026-11-21T12:15:00.000Z")).toEqual({
      active_ms: 600_000,
      paused_ms: 300_000,
    });
  });

  it("stops an overdue session's running period at expires_at", () => {
    expect(timeInStatus({ ...base, status: "active" }, "2026-11-21T15:00:00.000Z")).toEqual({
      active_ms: 600_000 + 50 * 60_000,
      paused_ms: 0,
    });
  });

  it("adds nothing for a closed session, and a transition closes the period of the status it leaves", () => {
    expect(timeInStatus({ ...base, status: "ended" }, "2026-11-21T15:00:00.000Z")).toEqual({
      active_ms: 600_000,
      paused_ms: 0,
    });
    expect(closingPeriod({ ...base, status: "paused" }, "2026-11-21T12:11:00.000Z")).toEqual({
      bucket: "paused_ms",
      ms: 60_000,
      until: "2026-11-21T12:11:00.000Z",
    });
  });
});
