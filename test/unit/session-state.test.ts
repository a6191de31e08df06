import { describe, expect, it } from "vitest";
import { AppError } from "#shared/domain/errors.ts";
import {
  allowedFrom,
  closes,
  isOpen,
  nextStatus,
  SESSION_STATUSES,
  type SessionStatus,
  type Transition,
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
