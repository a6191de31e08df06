/**
 * The server's own event that marks a change of a session (start, pause,
 * resume, end, expiry, update), and the answer that pairs it with the
 * session as changed.
 */
import type { SessionEvent } from "../../contract/schemas/event.ts";
import type { Session } from "../../contract/schemas/session.ts";
import { EVENT_SOURCE_SERVER } from "../../domain/events.ts";
import { newRecordId } from "../../domain/ids.ts";

export type SessionWithEvent = { session: Session; event: SessionEvent };

export function boundaryEvent(
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
