/**
 * Session lifecycle use cases: start, read, list, pause / resume / end,
 * expire and delete. They speak in domain terms and leave HTTP to the
 * handlers and DynamoDB to the store.
 */
import { createHash } from "node:crypto";
import { config } from "../config.ts";
import type { SessionEvent } from "../contract/schemas/events.ts";
import {
  MAX_LABELS,
  type Session,
  type SessionList,
  SessionWithEvent as SessionWithEventSchema,
  type StartSessionBody,
  type UpdateSessionBody,
} from "../contract/schemas/sessions.ts";
import { addSeconds, epochSeconds, followingTimestamps, isoNow } from "../domain/clock.ts";
import { AppError, sessionNotFound, UnavailableError, ValidationError } from "../domain/errors.ts";
import { EVENT_SOURCE_SERVER } from "../domain/events.ts";
import { newRecordId, newSessionId } from "../domain/ids.ts";
import {
  etagOfVersion,
  requireVersion,
  type VersionPrecondition,
} from "../domain/preconditions.ts";
import { maySee, type Principal } from "../domain/principal.ts";
import {
  allowedFrom,
  BOUNDARY_EVENT_BY_TRANSITION,
  closes,
  closingPeriod,
  isOverdue,
  nextStatus,
  type SessionOutcome,
  type SessionStatus,
  SYSTEM_PERFORMER,
  type Transition,
} from "../domain/session.ts";
import { eventTtl } from "../storage/event-items.ts";
import { type SessionItem, toSession } from "../storage/items.ts";
import * as store from "../storage/session-store.ts";
import { backoffMs, RACE_RETRY_BUDGET_MS, RaceRetry, sleep } from "../storage/transactions.ts";
import { cursorContext, decodeCursor, encodeCursor } from "./cursor.ts";

export const MAX_ATTEMPTS = 6;
const IDEMPOTENCY_WINDOW_SECONDS = 24 * 3600;

export type SessionWithEvent = { session: Session; event: SessionEvent };

function boundaryEvent(
  session: { session_id: string; user_id: string },
  type: SessionEvent["event_type"],
  seq: number,
  timestamp: string,
  performerId: string,
): SessionEvent {
  return {
    record_id: newRecordId(),
    session_id: session.session_id,
    user_id: session.user_id,
    seq,
    event_type: type,
    timestamp,
    source: EVENT_SOURCE_SERVER,
    performer_id: performerId,
    step_id: null,
    message: null,
    event_data: {},
  };
}

export interface StartResult extends SessionWithEvent {
  /** True when an earlier answer was replayed for the same Idempotency-Key. */
  replayed: boolean;
  status: number;
}

export async function startSession(
  principal: Principal,
  body: StartSessionBody,
  idempotencyKey: string | undefined,
): Promise<StartResult> {
  const tenant = principal.tenantId;
  // An own-scoped key replays only its own answers: keys of one tenant may pick the same value.
  const replayKey =
    idempotencyKey === undefined
      ? undefined
      : { value: idempotencyKey, ownerKeyId: principal.scope === "own" ? principal.keyId : null };
  const bodyHash = createHash("sha256").update(JSON.stringify(body)).digest("hex");
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
    if (replayKey) {
      const previous = await store.readIdempotencyRecord(tenant, replayKey);
      if (previous) return replay(previous, bodyHash);
    }
    const now = isoNow();
    const session = newSessionItem(principal, body, now);
    const event = boundaryEvent(session, "session_started", 1, now, body.performer_id);
    const result: SessionWithEvent = { session: toSession(session), event };
    const outcome = await store.createSession(
      tenant,
      session,
      event,
      eventTtl(session.expires_at, now, config().RETENTION_DAYS),
      replayKey
        ? {
            key: replayKey,
            bodyHash,
            status: 201,
            response: result,
            expiresAtEpoch: epochSeconds(now) + IDEMPOTENCY_WINDOW_SECONDS,
          }
        : undefined,
    );
    if (outcome.created) return { ...result, replayed: false, status: 201 };
    if (outcome.reason === "idempotency_key_taken") continue;
    if (outcome.reason === "conflict") {
      await sleep(backoffMs(attempt));
      continue;
    }
    // Identical starts sent at once with one key: the lock was taken by the
    // start that committed, together with its idempotency record. Replay it.
    if (replayKey) {
      const committed = await store.readIdempotencyRecord(tenant, replayKey);
      if (committed) return replay(committed, bodyHash);
    }
    const activeId = outcome.activeSessionId;
    if (activeId && (await expireIfOverdue(tenant, activeId))) continue;
    // The rule is the tenant's, but an own-scoped key learns no id of a session it cannot see.
    const shown = activeId && (await readVisibleSession(principal, activeId)) ? activeId : null;
    throw new AppError(
      "ACTIVE_SESSION_EXISTS",
      "The user already has an open session; end it before starting another.",
      { active_session_id: shown },
    );
  }
  throw new UnavailableError();
}

/** A new active session as the start writes it, with its first event counted. */
function newSessionItem(principal: Principal, body: StartSessionBody, now: string): SessionItem {
  return {
    tenant_id: principal.tenantId,
    session_id: newSessionId(),
    user_id: body.user_id,
    status: "active",
    created_at: now,
    updated_at: now,
    expires_at: addSeconds(now, body.ttl_seconds),
    ended_at: null,
    ended_by: null,
    last_accessed: now,
    performer_id: body.performer_id,
    is_training_data: body.is_training_data,
    session_notes: body.session_notes,
    training_intent_label: body.training_intent_label,
    outcome: null,
    end_reason: null,
    labels: body.labels,
    version: 1,
    state_since: now,
    active_ms: 0,
    paused_ms: 0,
    last_seq: 1,
    last_event_at: now,
    type_counts: { session_started: 1 },
    started_by_key: principal.keyId,
    key_counted: principal.scope === "own",
  };
}

function replay(
  previous: { bodyHash: string; status: number; response: unknown },
  bodyHash: string,
): StartResult {
  if (previous.bodyHash !== bodyHash) {
    throw new AppError(
      "IDEMPOTENCY_KEY_REUSED",
      "This Idempotency-Key was used with a different body; use a new key for a new request.",
    );
  }
  const response = SessionWithEventSchema.parse(previous.response);
  return { ...response, replayed: true, status: previous.status };
}

/**
 * A session past its `expires_at` that the expiry job has not reached yet is
 * closed on the spot, so its user can start again at once.
 */
async function expireIfOverdue(tenant: string, sessionId: string): Promise<boolean> {
  const session = await store.readSession(tenant, sessionId);
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

/**
 * The session if the caller may see it: any session of its tenant for a
 * tenant-scoped key, only those it started for an own-scoped one. Every other
 * session is undefined, exactly like one that does not exist.
 */
export async function readVisibleSession(
  principal: Principal,
  sessionId: string,
): Promise<SessionItem | undefined> {
  return visibleTo(principal, await store.readSession(principal.tenantId, sessionId));
}

export function visibleTo(
  principal: Principal,
  session: SessionItem | undefined,
): SessionItem | undefined {
  return session && maySee(principal, session.started_by_key) ? session : undefined;
}

export async function getSession(principal: Principal, sessionId: string): Promise<Session> {
  const item = await readVisibleSession(principal, sessionId);
  if (!item) throw sessionNotFound();
  return toSession(item);
}

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
      read = await store.readSession(tenant, initial.session_id);
      continue;
    }
    requireVersion(precondition, read.version);
    const committed = await attemptTransition(tenant, read, transition, performerId, ending);
    if (committed) return committed;
    if (!(await retry.pause())) break;
    read = await store.readSession(tenant, initial.session_id);
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
  const outcome = await store.commitTransition({
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

export async function listSessions(
  principal: Principal,
  query: {
    user_id?: string | undefined;
    status?: SessionStatus | undefined;
    outcome?: SessionOutcome | undefined;
    label?: string | undefined;
    created_after?: string | undefined;
    created_before?: string | undefined;
    limit: number;
    cursor?: string | undefined;
  },
): Promise<SessionList> {
  const bound = cursorContext(principal, query);
  const position = query.cursor ? decodeCursor(query.cursor, bound) : undefined;
  const now = isoNow();
  const page = await store.listSessions({
    now,
    tenant: principal.tenantId,
    startedByKey: principal.scope === "own" ? principal.keyId : undefined,
    userId: query.user_id,
    status: query.status,
    outcome: query.outcome,
    label: query.label === undefined ? undefined : splitLabel(query.label),
    createdAfter: query.created_after,
    createdBefore: query.created_before,
    limit: query.limit,
    startAfterPosition: position,
  });
  const items = page.items.map((item) => toSession(item, now));
  return {
    items,
    returned: items.length,
    next_cursor: page.nextPosition ? encodeCursor(page.nextPosition, bound) : null,
  };
}

/** `key:value`, split at the first colon (label keys have none). */
function splitLabel(filter: string): { key: string; value: string } {
  const colon = filter.indexOf(":");
  return { key: filter.slice(0, colon), value: filter.slice(colon + 1) };
}

/** The ETag of a session version: a strong entity tag. */
export function etagOf(session: Session): string {
  return etagOfVersion(session.version);
}

export type UpdateResult = { session: Session; event: SessionEvent | null };

/**
 * A JSON merge patch of the session's notes and labels, allowed on any
 * session that is not deleted. It commits with a `session_updated` event in
 * one transaction, conditional on the `last_seq` and version read. Without
 * If-Match a lost race (an append, another change) is retried on the session
 * as it now is (the last writer wins); with If-Match, a version that is not
 * the one asked for is 412 at once, while a race with an append only is
 * retried, since appends do not change the version.
 */
export async function updateSession(
  principal: Principal,
  sessionId: string,
  patch: UpdateSessionBody,
  precondition: VersionPrecondition | undefined,
): Promise<UpdateResult> {
  const tenant = principal.tenantId;
  let read = await readVisibleSession(principal, sessionId);
  const retry = new RaceRetry(RACE_RETRY_BUDGET_MS, 10, 200);
  for (;;) {
    if (!read) throw sessionNotFound();
    if (isOverdue(read, isoNow())) {
      // Expired as every caller already sees it, before the update is applied to it.
      await closeOverdue(tenant, read);
      read = await store.readSession(tenant, sessionId);
      continue;
    }
    requireVersion(precondition, read.version);
    const merged = mergeSessionPatch(read, patch);
    if (merged.changed.length === 0) return { session: toSession(read), event: null };
    const now = followingTimestamps(read.last_event_at, 1)[0] ?? isoNow();
    const event = boundaryEvent(read, "session_updated", read.last_seq + 1, now, principal.keyId);
    event.event_data = { changed: merged.changed };
    const outcome = await store.commitUpdate({
      tenant,
      read,
      sessionNotes: merged.sessionNotes,
      labels: merged.labels,
      event,
      eventTtlEpoch: eventTtl(read.expires_at, now, config().RETENTION_DAYS),
    });
    if (outcome === "committed") {
      const next: SessionItem = {
        ...read,
        session_notes: merged.sessionNotes,
        labels: merged.labels,
        version: read.version + 1,
        updated_at: now,
        last_accessed: now,
        last_event_at: now,
        last_seq: event.seq,
      };
      return { session: toSession(next), event };
    }
    if (!(await retry.pause())) break;
    read = await store.readSession(tenant, sessionId);
  }
  throw new UnavailableError("The session is changing too fast to apply this change; retry.");
}

/** RFC 7396 on the session's writable fields; `changed` names those that differ after it. */
function mergeSessionPatch(
  read: SessionItem,
  patch: UpdateSessionBody,
): { sessionNotes: string | null; labels: Record<string, string>; changed: string[] } {
  const sessionNotes = patch.session_notes === undefined ? read.session_notes : patch.session_notes;
  let labels: Record<string, string> = { ...read.labels };
  if (patch.labels === null) labels = {};
  for (const [key, value] of Object.entries(patch.labels ?? {})) {
    if (value === null) delete labels[key];
    else labels[key] = value;
  }
  if (Object.keys(labels).length > MAX_LABELS) {
    throw new ValidationError(
      `A session has at most ${MAX_LABELS} labels; this patch leaves ${Object.keys(labels).length}.`,
      {
        field: "labels",
        max_labels: MAX_LABELS,
      },
    );
  }
  const changed: string[] = [];
  if (sessionNotes !== read.session_notes) changed.push("session_notes");
  if (!sameLabels(labels, read.labels)) changed.push("labels");
  return { sessionNotes, labels, changed };
}

function sameLabels(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return (
    keys.length === Object.keys(b).length &&
    keys.every((key) => Object.hasOwn(b, key) && b[key] === a[key])
  );
}
