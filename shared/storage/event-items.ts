/** Event items: how an event is stored beside its session. */
import * as z from "zod";
import type { SessionEvent } from "../contract/schemas/event.ts";
import { EventItem } from "./items.ts";
import { indexKeys, keys, TTL_ATTRIBUTE } from "./keys.ts";

export function eventItem(
  tenant: string,
  event: SessionEvent,
  typeOrd: number,
  ttlEpochSeconds: number,
): Record<string, unknown> {
  return {
    ...keys.event(tenant, event.session_id, event.seq),
    ...indexKeys.eventByTime(event.timestamp, event.seq),
    ...indexKeys.eventByType(event.event_type, event.seq),
    entity: "event",
    record_id: event.record_id,
    session_id: event.session_id,
    user_id: event.user_id,
    seq: event.seq,
    event_type: event.event_type,
    timestamp: event.timestamp,
    source: event.source,
    performer_id: event.performer_id,
    step_id: event.step_id,
    message: event.message,
    // Opaque to storage: kept as JSON text so any JSON value round-trips
    // unchanged, whatever DynamoDB's limits on nesting and number range.
    event_data_json: JSON.stringify(event.event_data),
    type_ord: typeOrd,
    [TTL_ATTRIBUTE]: ttlEpochSeconds,
  };
}

export function parseEventItem(raw: Record<string, unknown>): SessionEvent & { type_ord: number } {
  const item = EventItem.parse(raw);
  return {
    record_id: item.record_id,
    session_id: item.session_id,
    user_id: item.user_id,
    seq: item.seq,
    event_type: item.event_type,
    timestamp: item.timestamp,
    source: item.source === "session_manager" ? "session_manager" : "api",
    performer_id: item.performer_id,
    step_id: item.step_id,
    message: item.message,
    event_data: parseEventData(item.event_data_json),
    type_ord: item.type_ord,
  };
}

/** Events outlive their session's expiry by the retention period and are never updated. */
export function eventTtl(expiresAt: string, now: string, retentionDays: number): number {
  const base = Math.max(Date.parse(expiresAt), Date.parse(now));
  return Math.floor(base / 1000) + retentionDays * 86_400;
}

const EventData = z.record(z.string(), z.unknown()).catch({});

function parseEventData(json: string): Record<string, unknown> {
  return EventData.parse(JSON.parse(json));
}
