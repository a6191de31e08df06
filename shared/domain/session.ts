import { AppError } from "./errors.ts";

export const SESSION_STATUSES = ["active", "paused", "ended", "expired"] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

export const OPEN_STATUSES: readonly SessionStatus[] = ["active", "paused"];

export type Transition = "pause" | "resume" | "end" | "expire";

export const BOUNDARY_EVENT_BY_TRANSITION = {
  pause: "session_paused",
  resume: "session_resumed",
  end: "session_ended",
  expire: "session_expired",
} as const satisfies Record<Transition, string>;

const RULES: Record<Transition, { from: readonly SessionStatus[]; to: SessionStatus }> = {
  pause: { from: ["active"], to: "paused" },
  resume: { from: ["paused"], to: "active" },
  end: { from: ["active", "paused"], to: "ended" },
  expire: { from: ["active", "paused"], to: "expired" },
};

export function isOpen(status: SessionStatus): boolean {
  return OPEN_STATUSES.includes(status);
}

/** Statuses a transition may start from; the storage condition uses the same list. */
export function allowedFrom(transition: Transition): readonly SessionStatus[] {
  return RULES[transition].from;
}

/** Whether the transition closes the session and so releases the user's open-session lock. */
export function closes(transition: Transition): boolean {
  return transition === "end" || transition === "expire";
}

/**
 * The status a transition leads to, or the error the caller sees when the
 * session is not in a state the transition may start from.
 */
export function nextStatus(current: SessionStatus, transition: Transition): SessionStatus {
  const rule = RULES[transition];
  if (rule.from.includes(current)) return rule.to;
  if (transition === "end" || transition === "expire") {
    throw new AppError("SESSION_ALREADY_ENDED", `The session is already ${current}.`, {
      status: current,
    });
  }
  throw new AppError(
    "INVALID_TRANSITION",
    `Cannot ${transition} a session that is ${current}; allowed from: ${rule.from.join(", ")}.`,
    { status: current, action: transition },
  );
}
