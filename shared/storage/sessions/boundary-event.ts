/**
 * The event a session change writes beside it, numbered within its type
 * from the counts on the session as read; the change moves that count.
 */
import { tableName } from "../../config.ts";
import type { SessionEvent } from "../../contract/schemas/event.ts";
import { eventItem } from "../event-items.ts";
import type { SessionItem } from "../items.ts";
import type { TransactItem } from "../transactions.ts";

/** The boundary event of a change to the read session, numbered within its type. */
export function boundaryEventPut(
  tenant: string,
  read: SessionItem,
  event: SessionEvent,
  eventTtlEpoch: number,
): TransactItem {
  const typeOrd = (read.type_counts[event.event_type] ?? 0) + 1;
  return {
    Put: {
      TableName: tableName(),
      Item: eventItem(tenant, event, typeOrd, eventTtlEpoch),
      ConditionExpression: "attribute_not_exists(pk)",
    },
  };
}
