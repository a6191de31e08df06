import { AppError } from "./errors.ts";

export const SESSION_STATUSES = ["active", "paused", "ended", "expired"] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

/** How an ended session went, as its caller says at `end`. */
export const SESSION_OUTCOMES = ["completed", "abandoned", "failed"] as const;
export type SessionOutcome = (typeof SESSION_OUTCOMES)[number];

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
  // A closed session takes no step at all: the one answer says why.
  if (!isOpen(current)) {
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

/** The performer of steps the service takes by itself (expiry). */
export const SYSTEM_PERFORMER = "system";

/**
 * From `expires_at` on, an open session is expired for every caller, whether
 * or not the expiry job has closed it yet (it runs once a minute).
 */
export function isOverdue(
  session: { status: SessionStatus; expires_at: string },
  now: string,
): boolean {
  return isOpen(session.status) && session.expires_at <= now;
}

interface Lifecycle {
  status: SessionStatus;
  expires_at: string;
  updated_at: string;
  ended_at: string | null;
  ended_by: string | null;
}

/**
 * The session as every caller sees it at `now`: an overdue open session reads
 * exactly as the expiry job will leave it (expired at its `expires_at`, by
 * `system`), so nothing changes for a reader when the job catches up.
 */
export function lifecycleAsOf<T extends Lifecycle>(session: T, now: string): T {
  if (!isOverdue(session, now)) return session;
  return {
    ...session,
    status: "expired",
    ended_at: session.expires_at,
    ended_by: SYSTEM_PERFORMER,
    updated_at: [session.updated_at, session.expires_at].sort()[1] ?? session.updated_at,
  };
}

/** Milliseconds from one timestamp to a later one (0 if it is not later). */
export function periodMs(since: string, until: string): number {
  return Math.max(0, Date.parse(until) - Date.parse(since));
}

interface Timed {
  status: SessionStatus;
  created_at: string;
  expires_at: string;
  state_since?: string | undefined;
  active_ms: number;
  paused_ms: number;
}

/**
 * Time spent active and paused as of `now`: the periods the transitions have
 * closed, plus the one still running (which an overdue session ended at its
 * `expires_at`).
 */
export function timeInStatus(
  session: Timed,
  now: string,
): { active_ms: number; paused_ms: number } {
  const totals = { active_ms: session.active_ms, paused_ms: session.paused_ms };
  if (!isOpen(session.status)) return totals;
  const until = session.expires_at < now ? session.expires_at : now;
  const running = periodMs(session.state_since ?? session.created_at, until);
  if (session.status === "active") totals.active_ms += running;
  else totals.paused_ms += running;
  return totals;
}

/**
 * The period a transition closes: the time since the status began, up to the
 * step (an expiry closes it at `expires_at`), counted as active or paused.
 */
export function closingPeriod(
  session: Timed,
  until: string,
): { bucket: "active_ms" | "paused_ms"; ms: number; until: string } {
  return {
    bucket: session.status === "paused" ? "paused_ms" : "active_ms",
    ms: periodMs(session.state_since ?? session.created_at, until),
    until,
  };
}
