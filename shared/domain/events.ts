/** Event rules shared by appends, queries and the boundary events of the lifecycle. */

export const BOUNDARY_EVENT_TYPES = [
  "session_started",
  "session_paused",
  "session_resumed",
  "session_ended",
  "session_expired",
  "session_updated",
] as const;
export type BoundaryEventType = (typeof BOUNDARY_EVENT_TYPES)[number];

export const EVENT_TYPE_PATTERN = /^[a-z][a-z0-9_.-]{0,63}$/;
export const RESERVED_EVENT_TYPE_PREFIX = "session_";

export const EVENT_SOURCE_SERVER = "session_manager";
export const EVENT_SOURCE_API = "api";

export const MAX_MESSAGE_BYTES = 4 * 1024;
export const MAX_EVENT_DATA_BYTES = 64 * 1024;
/**
 * Levels of objects and arrays in event_data: far more than event data needs,
 * far fewer than overflow a serializer's stack (JSON.stringify fails at a
 * few thousand on Node's default stack). Without a bound, a few kilobytes of `[[[[…]]]]` pass the size
 * limit and crash whatever serializes them.
 */
export const MAX_EVENT_DATA_DEPTH = 100;

/** How deeply objects and arrays nest in a JSON value (a scalar is 0), counted without recursion. */
export function nestingDepth(value: unknown, stopAbove = Number.POSITIVE_INFINITY): number {
  let deepest = 0;
  const pending: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  for (let next = pending.pop(); next; next = pending.pop()) {
    if (next.value === null || typeof next.value !== "object") continue;
    const depth = next.depth + 1;
    deepest = Math.max(deepest, depth);
    if (deepest > stopAbove) return deepest;
    for (const child of Object.values(next.value)) pending.push({ value: child, depth });
  }
  return deepest;
}

/**
 * One TransactWriteItems holds at most 100 actions and every append also
 * moves the session's `last_seq` in the same transaction, so 99 events is the
 * largest batch that can commit atomically.
 */
export const MAX_EVENTS_PER_APPEND = 99;

export function isReservedEventType(type: string): boolean {
  return type.startsWith(RESERVED_EVENT_TYPE_PREFIX);
}
