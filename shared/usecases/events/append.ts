/**
 * Appending events: the sizes are checked, the session must still take
 * events, and the batch commits through the turn queue (./append-turns.ts),
 * which assigns seqs in commit order.
 */
import type { AppendEventsResult, NewEvent } from "../../contract/schemas/events.ts";
import { PayloadTooLargeError } from "../../domain/errors.ts";
import { MAX_EVENT_DATA_BYTES, MAX_MESSAGE_BYTES } from "../../domain/events.ts";
import type { Principal } from "../../domain/principal.ts";
import { readSession } from "../../storage/session-store.ts";
import { visibleTo } from "../sessions.ts";
import { commitInTurn } from "./append-turns.ts";
import { acceptingSession } from "./commit.ts";

export async function appendEvents(
  principal: Principal,
  sessionId: string,
  input: NewEvent[],
): Promise<AppendEventsResult> {
  checkEventSizes(input);
  const tenant = principal.tenantId;
  const read = await acceptingSession(
    tenant,
    visibleTo(principal, await readSession(tenant, sessionId)),
  );
  return commitInTurn(principal, read, input);
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
