/**
 * One attempt at an append: the session must still take events, and the
 * events, stamped with the next seqs, commit with the session's move to the
 * last of them, or not at all.
 */
import { config } from "../../config.ts";
import type { AppendEventsResult, NewEvent } from "../../contract/schemas/events.ts";
import { followingTimestamps, isoNow } from "../../domain/clock.ts";
import { AppError, sessionNotFound } from "../../domain/errors.ts";
import { EVENT_SOURCE_API } from "../../domain/events.ts";
import { newRecordId } from "../../domain/ids.ts";
import type { Principal } from "../../domain/principal.ts";
import { isOverdue } from "../../domain/session.ts";
import { eventTtl } from "../../storage/event-items.ts";
import { commitAppend } from "../../storage/events/append.ts";
import { type StoredEvent, withoutOrd } from "../../storage/events/stored-event.ts";
import type { SessionItem } from "../../storage/items.ts";
import { closeOverdue } from "../sessions.ts";

/**
 * The session, if it still takes events: appends are accepted until it
 * expires or is deleted. An overdue session is closed here as the expiry job
 * would close it, so no event lands after its expires_at.
 */
export async function acceptingSession(
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

export async function commitEvents(
  principal: Principal,
  read: SessionItem,
  input: NewEvent[],
  turn: number | undefined,
): Promise<
  { committed: true; result: AppendEventsResult } | { committed: false; current?: SessionItem }
> {
  const events = stampEvents(principal, read, input);
  const last = events[events.length - 1];
  const lastEventAt = last?.timestamp ?? read.last_event_at;
  const outcome = await commitAppend({
    tenant: principal.tenantId,
    read,
    events,
    eventTtlEpoch: eventTtl(read.expires_at, lastEventAt, config().RETENTION_DAYS),
    lastEventAt,
    turn,
  });
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
