/**
 * Appending events: the sizes are checked, the session must still take
 * events, and the batch, stamped with the next seqs, commits with the
 * session's move to its last event, or not at all. A writer appending again
 * to a session only it writes commits on the session as its last append left
 * it, without reading it (./last-commits.ts). When appends contend, the turn
 * queue (./append-turns.ts) decides when each commits.
 */
import { config } from "../../config.ts";
import type { AppendEventsResult, NewEvent } from "../../contract/schemas/event-append.ts";
import { followingTimestamps, isoNow } from "../../domain/clock.ts";
import { AppError, PayloadTooLargeError, sessionNotFound } from "../../domain/errors.ts";
import { EVENT_SOURCE_API, MAX_EVENT_DATA_BYTES, MAX_MESSAGE_BYTES } from "../../domain/events.ts";
import { newRecordId } from "../../domain/ids.ts";
import type { Principal } from "../../domain/principal.ts";
import { isOverdue } from "../../domain/session.ts";
import { eventTtl } from "../../storage/event-items.ts";
import { commitAppend } from "../../storage/events/commit.ts";
import { type StoredEvent, withoutOrd } from "../../storage/events/stored-event.ts";
import type { SessionItem } from "../../storage/items.ts";
import { readSession } from "../../storage/sessions/read.ts";
import { visibleTo } from "../sessions/read.ts";
import { closeOverdue } from "../sessions/transition.ts";
import { type CommitAttempt, commitInTurn } from "./append-turns.ts";
import { forgetCommit, lastCommitted, markShared, rememberCommit } from "./last-commits.ts";

export async function appendEvents(
  principal: Principal,
  sessionId: string,
  input: NewEvent[],
): Promise<AppendEventsResult> {
  checkEventSizes(input);
  const tenant = principal.tenantId;
  let current: SessionItem | undefined;
  const known = takesEventsAsKnown(principal, lastCommitted(tenant, sessionId));
  if (known) {
    const attempt = await commitEvents(principal, known, input, undefined);
    if (attempt.committed) return attempt.result;
    current = attempt.current;
  }
  const read = await acceptingSession(
    tenant,
    visibleTo(principal, current ?? (await readSession(tenant, sessionId))),
  );
  return commitInTurn({
    tenant,
    read,
    accept: (session) => acceptingSession(tenant, session),
    commit: (session, turn) => commitEvents(principal, session, input, turn),
  });
}

export function checkEventSizes(events: NewEvent[]): void {
  events.forEach((event, index) => {
    if (event.message && Buffer.byteLength(event.message, "utf8") > MAX_MESSAGE_BYTES) {
      throw new PayloadTooLargeError(
        `events[${index}].message is larger than ${MAX_MESSAGE_BYTES} bytes.`,
        {
          index,
          field: "message",
          max_bytes: MAX_MESSAGE_BYTES,
        },
      );
    }
    if (
      event.event_data &&
      Buffer.byteLength(JSON.stringify(event.event_data), "utf8") > MAX_EVENT_DATA_BYTES
    ) {
      throw new PayloadTooLargeError(
        `events[${index}].event_data is larger than ${MAX_EVENT_DATA_BYTES} bytes serialized.`,
        { index, field: "event_data", max_bytes: MAX_EVENT_DATA_BYTES },
      );
    }
  });
}

/**
 * The session as this process's last append left it, when an append may go
 * straight to the commit on it: the caller may see it, it took events then
 * and still would now, and no append was queued.
 */
function takesEventsAsKnown(
  principal: Principal,
  known: SessionItem | undefined,
): SessionItem | undefined {
  if (!known || !visibleTo(principal, known)) return undefined;
  if (known.status === "expired" || isOverdue(known, isoNow())) return undefined;
  return (known.next_turn ?? 0) === (known.served_turn ?? 0) ? known : undefined;
}

/**
 * The session, if it still takes events: appends are accepted until it
 * expires or is deleted. An overdue session is closed here as the expiry job
 * would close it, so no event lands after its expires_at.
 */
async function acceptingSession(
  tenant: string,
  session: SessionItem | undefined,
): Promise<SessionItem> {
  if (!session) throw sessionNotFound();
  if (isOverdue(session, isoNow())) await closeOverdue(tenant, session);
  if (session.status === "expired" || isOverdue(session, isoNow())) {
    throw new AppError(
      "SESSION_ALREADY_ENDED",
      "The session has expired and no longer accepts events.",
      { status: "expired" },
    );
  }
  return session;
}

async function commitEvents(
  principal: Principal,
  read: SessionItem,
  input: NewEvent[],
  turn: number | undefined,
): Promise<CommitAttempt> {
  const events = stampEvents(principal, read, input);
  const last = events[events.length - 1];
  const lastEventAt = last?.timestamp ?? read.last_event_at;
  const tenant = principal.tenantId;
  const outcome = await commitAppend({
    tenant,
    read,
    events,
    eventTtlEpoch: eventTtl(read.expires_at, lastEventAt, config().RETENTION_DAYS),
    lastEventAt,
    turn,
  }).catch((error: unknown) => {
    forgetCommit(tenant, read.session_id);
    throw error;
  });
  if (outcome.committed && turn === undefined) rememberCommit(tenant, outcome.session);
  else markShared(tenant, read.session_id);
  if (!outcome.committed) {
    return outcome.current && !outcome.current.deleting
      ? { committed: false, current: outcome.current }
      : { committed: false };
  }
  const items = events.map(withoutOrd);
  return {
    committed: true,
    result: {
      session_id: read.session_id,
      items,
      first_seq: read.last_seq + 1,
      last_seq: read.last_seq + items.length,
    },
  };
}

/** The events as they will be stored: the next seqs, each stamped after the one before. */
function stampEvents(principal: Principal, read: SessionItem, input: NewEvent[]): StoredEvent[] {
  const typeCounts = new Map(Object.entries(read.type_counts));
  const timestamps = followingTimestamps(read.last_event_at, input.length);
  return input.map((event, index) => {
    const typeOrd = (typeCounts.get(event.event_type) ?? 0) + 1;
    typeCounts.set(event.event_type, typeOrd);
    return {
      record_id: newRecordId(),
      session_id: read.session_id,
      user_id: read.user_id,
      seq: read.last_seq + index + 1,
      event_type: event.event_type,
      timestamp: timestamps[index] ?? isoNow(),
      source: EVENT_SOURCE_API,
      performer_id: event.performer_id ?? principal.keyId,
      step_id: event.step_id ?? null,
      message: event.message ?? null,
      event_data: event.event_data ?? {},
      type_ord: typeOrd,
    };
  });
}
