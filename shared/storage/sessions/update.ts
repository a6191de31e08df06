/** Writing a merge patch of the session's own fields (notes, labels) as one transaction. */
import { tableName } from "../../config.ts";
import type { SessionEvent } from "../../contract/schemas/event.ts";
import type { SessionItem } from "../items.ts";
import { keys } from "../keys.ts";
import { cancelledError, failedCondition, isRetryable, transactWrite } from "../transactions.ts";
import { userKeyedMap } from "../user-keyed-maps.ts";
import { boundaryEventPut } from "./boundary-event.ts";

export type UpdateOutcome = "committed" | "stale";

/**
 * An update of the session's own fields as one transaction: the new notes and
 * labels, the version moved on, `last_seq` moved to the `session_updated`
 * event written beside it. Conditional on the `last_seq` and the version that
 * were read, so an append or another change in between makes it "stale".
 */
export async function commitUpdate(input: {
  tenant: string;
  read: SessionItem;
  sessionNotes: string | null;
  labels: Record<string, string>;
  event: SessionEvent;
  eventTtlEpoch: number;
}): Promise<UpdateOutcome> {
  const { tenant, read, event } = input;
  const outcome = await transactWrite([
    {
      Update: {
        TableName: tableName(),
        Key: keys.session(tenant, read.session_id),
        UpdateExpression: [
          "SET session_notes = :notes",
          "labels = :labels",
          "version = :version",
          "updated_at = :now",
          "last_accessed = :now",
          "last_event_at = :now",
          "last_seq = :seq",
          "#tc.#type = if_not_exists(#tc.#type, :zero) + :one",
        ].join(", "),
        ConditionExpression:
          "last_seq = :read_seq AND (version = :read_version OR (attribute_not_exists(version) AND :read_version = :one)) AND attribute_not_exists(deleting)",
        ExpressionAttributeNames: { "#tc": "type_counts", "#type": event.event_type },
        ExpressionAttributeValues: {
          ":notes": input.sessionNotes,
          ":labels": userKeyedMap(input.labels),
          ":version": read.version + 1,
          ":read_version": read.version,
          ":now": event.timestamp,
          ":seq": event.seq,
          ":read_seq": read.last_seq,
          ":zero": 0,
          ":one": 1,
        },
      },
    },
    boundaryEventPut(tenant, read, event, input.eventTtlEpoch),
  ]);
  if (outcome.committed) return "committed";
  if (
    failedCondition(outcome.reasons, 0) ||
    failedCondition(outcome.reasons, 1) ||
    isRetryable(outcome.reasons)
  ) {
    return "stale";
  }
  throw cancelledError("update", outcome.reasons);
}
