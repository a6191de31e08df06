/**
 * An event as the table holds it: the API's event plus `type_ord`, its
 * position among the session's events of its type, which answers type counts
 * without reading the events.
 */
import type { SessionEvent } from "../../contract/schemas/event.ts";

export type StoredEvent = SessionEvent & { type_ord: number };

/** Largest seq a query range can name (keys hold 12 digits). */
export const MAX_SEQ = 999_999_999_999;

/** The event as the API answers it. */
export function withoutOrd(event: StoredEvent): SessionEvent {
  const { type_ord: _ord, ...rest } = event;
  return rest;
}
