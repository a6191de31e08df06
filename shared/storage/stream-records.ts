/**
 * DynamoDB Streams records as the fan-out needs them: a new event (INSERT of
 * an event item, from its NEW_IMAGE) or a session that went away (REMOVE of
 * the session item, by delete or TTL). Anything else is ignored, whatever
 * the event source mapping's filter let through.
 */
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { SessionEvent } from "../contract/schemas/event.ts";
import { parseEventItem } from "./event-items.ts";
import { EVENT_SK_PREFIX, parseSessionPartition, SESSION_SK } from "./keys.ts";

export type StreamChange =
  | { kind: "event"; tenant: string; sessionId: string; event: SessionEvent }
  | { kind: "session_removed"; tenant: string; sessionId: string };

/** The parts of a stream record read here, as Lambda and the local poller both deliver them. */
export interface ChangeRecord {
  eventName?: string;
  dynamodb?: {
    Keys?: Record<string, unknown>;
    NewImage?: Record<string, unknown>;
  };
}

function image(raw: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!raw) return undefined;
  return unmarshall(raw as Record<string, AttributeValue>);
}

export function changeOf(record: ChangeRecord): StreamChange | undefined {
  const keys = image(record.dynamodb?.Keys);
  const pk = typeof keys?.pk === "string" ? keys.pk : undefined;
  const sk = typeof keys?.sk === "string" ? keys.sk : undefined;
  const partition = pk ? parseSessionPartition(pk) : undefined;
  if (!partition || !sk) return undefined;
  if (record.eventName === "REMOVE" && sk === SESSION_SK) {
    return { kind: "session_removed", ...partition };
  }
  if (record.eventName !== "INSERT" || !sk.startsWith(EVENT_SK_PREFIX)) return undefined;
  const newImage = image(record.dynamodb?.NewImage);
  if (!newImage) return undefined;
  const { type_ord: _ord, ...event } = parseEventItem(newImage);
  return { kind: "event", ...partition, event };
}

/** The stream's filter, as the event source mapping states it and the local poller applies it. */
export const STREAM_FILTER_PATTERNS = [
  { eventName: ["INSERT"], dynamodb: { Keys: { sk: { S: [{ prefix: EVENT_SK_PREFIX }] } } } },
  { eventName: ["REMOVE"], dynamodb: { Keys: { sk: { S: [SESSION_SK] } } } },
] as const;

/** Whether a record passes the filter above. */
export function passesStreamFilter(record: ChangeRecord): boolean {
  const sk = record.dynamodb?.Keys?.sk;
  const value =
    typeof sk === "object" && sk !== null && "S" in sk && typeof sk.S === "string"
      ? sk.S
      : undefined;
  if (value === undefined) return false;
  if (record.eventName === "INSERT") return value.startsWith(EVENT_SK_PREFIX);
  return record.eventName === "REMOVE" && value === SESSION_SK;
}
