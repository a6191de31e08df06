/**
 * Moving a session through its lifecycle (pause, resume, end, expire) with
 * optimistic concurrency. A session past its `expires_at` is expired for
 * every caller, so whichever caller reaches it first closes it here as the
 * expiry job would, before anything else is done to it.
 */
import { config } from "../../config.ts";
import { epochSeconds, followingTimestamps, isoNow } from "../../domain/clock.ts";
import {
  AppError,
  sessionNotFound,
  UnavailableError,
  ValidationError,
} from "../../domain/errors.ts";
import { requireVersion, type VersionPrecondition } from "../../domain/preconditions.ts";
import type { Principal } from "../../domain/principal.ts";
import {
  allowedFrom,
  BOUNDARY_EVENT_BY_TRANSITION,
  closes,
  closingPeriod,
  isOverdue,
  nextStatus,
  type SessionOutcome,
  SYSTEM_PERFORMER,
  type Transition,
} from "../../domain/session.ts";
import { eventTtl } from "../../storage/event-items.ts";
import { type SessionItem, toSession } from "../../storage/items.ts";
import { readSession } from "../../storage/sessions/read.ts";
import { commitTransition } from "../../storage/sessions/transition.ts";
import { RACE_RETRY_BUDGET_MS, RaceRetry } from "../../storage/transactions.ts";
import { boundaryEvent, type SessionWithEvent } from "./boundary-event.ts";
import { readVisibleSession } from "./read.ts";

export async function transitionSession(
  principal: Principal,
  sessionId: string,
  transition: Exclude<Transition, "expire">,
  caller: {
    user_id: string;
    performer_id: string;
    session_id?: string | undefined;
    outcome?: SessionOutcome | undefined;
    reason?: string | undefined;
  },
  precondition?: VersionPrecondition,
): Promise<SessionWithEvent> {
  if (caller.session_id !== undefined && caller.session_id !== sessionId) {
    throw new ValidationError("session_id in the body must equal the session id in the path.", {
      field: "session_id",
    });
  }
  const read = await readVisibleSession(principal, sessionId);
  if (!read) throw sessionNotFound();
  if (read.user_id !== caller.user_id) {
    throw new AppError("SESSION_USER_MISMATCH", "user_id does not match the session's user.", {
      field: "user_id",
    });
  }
  const ending =
    transition === "end"
      ? { outcome: caller.outcome ?? null, reason: caller.reason ?? null }
      : undefined;
  const tenant = principal.tenantId;
  return applyTransition(tenant, read, transition, caller.performer_id, ending, precondition);
}

/** What an end says about how the session went; kept on the session and in its event. */
export interface Ending {
  outcome: SessionOutcome | null;
  reason: string | null;
}

/**
 * Applies a transition with optimistic concurrency: if another writer moved
 * the session between the read and the commit, read again and decide again
 * (the move may now be refused, e.g. a racing end wins over expiry).
 */
export async function applyTransition(
  tenant: string,
  initial: SessionItem,
  transition: Transition,
  performerId: string,
  ending?: Ending,
  precondition?: VersionPrecondition,
): Promise<SessionWithEvent> {
  let read: SessionItem | undefined = initial;
  const retry = new RaceRetry(RACE_RETRY_BUDGET_MS, 10, 200);
  for (;;) {
    if (!read) throw sessionNotFound();
    if (transition !== "expire" && isOverdue(read, isoNow())) {
      // Past its expires_at the session is expired for every caller: close it
      // as the job would, then answer as for any closed session.
      await closeOverdue(tenant, read);
      read = await readSession(tenant, initial.session_id);
      continue;
    }
    requireVersion(precondition, read.version);
    const committed = await attemptTransition(tenant, read, transition, performerId, ending);
    if (committed) return committed;
    if (!(await retry.pause())) break;
    read = await readSession(tenant, initial.session_id);
  }
  throw new UnavailableError("The session is changing too fast to apply this change; retry.");
}

/** One try at committing the transition on the session as read; undefined when it was stale. */
async function attemptTransition(
  tenant: string,
  read: SessionItem,
  transition: Transition,
  performerId: string,
  ending: Ending | undefined,
): Promise<SessionWithEvent | undefined> {
  const to = nextStatus(read.status, transition);
  const now = followingTimestamps(read.last_event_at, 1)[0] ?? isoNow();
  // An expired session ended at its expires_at, whenever the close is written.
  const endedAt = transition === "expire" ? read.expires_at : now;
  const seq = read.last_seq + 1;
  const event = boundaryEvent(
    read,
    BOUNDARY_EVENT_BY_TRANSITION[transition],
    seq,
    now,
    performerId,
  );
  if (ending) {
    if (ending.outcome !== null) event.event_data.outcome = ending.outcome;
    if (ending.reason !== null) event.event_data.reason = ending.reason;
  }
  const retention = config().RETENTION_DAYS;
  const period = closingPeriod(read, endedAt);
  const outcome = await commitTransition({
    tenant,
    read,
    allowedFrom: allowedFrom(transition),
    to,
    event,
    eventTtlEpoch: eventTtl(read.expires_at, now, retention),
    closes: closes(transition),
    endedAt,
    endedBy: closes(transition) ? performerId : null,
    sessionTtlEpoch: closes(transition) ? epochSeconds(now) + retention * 86_400 : null,
    period,
    ending,
  });
  if (outcome !== "committed") return undefined;
  const next: SessionItem = {
    ...read,
    status: to,
    updated_at: now,
    last_accessed: now,
    last_event_at: now,
    last_seq: seq,
    ended_at: closes(transition) ? endedAt : read.ended_at,
    ended_by: closes(transition) ? performerId : read.ended_by,
    outcome: ending ? ending.outcome : read.outcome,
    end_reason: ending ? ending.reason : read.end_reason,
    version: read.version + 1,
    state_since: period.until,
    [period.bucket]: read[period.bucket] + period.ms,
  };
  return { session: toSession(next), event };
}

/**
 * A session past its `expires_at` that the expiry job has not reached yet is
 * closed on the spot, so its user can start again at once.
 */
export async function expireIfOverdue(tenant: string, sessionId: string): Promise<boolean> {
  const session = await readSession(tenant, sessionId);
  if (!session || !isOverdue(session, isoNow())) return false;
  await closeOverdue(tenant, session);
  return true;
}

/**
 * Writes the expiry the job would write, for an overdue session a caller
 * reached first: every caller then sees the same closed session and its one
 * `session_expired` event. A racing close (the job, an end) is not an error.
 */
export async function closeOverdue(tenant: string, session: SessionItem): Promise<void> {
  try {
    await applyTransition(tenant, session, "expire", SYSTEM_PERFORMER);
  } catch (error) {
    if (error instanceof AppError && error.code === "SESSION_ALREADY_ENDED") return;
    throw error;
  }
}
