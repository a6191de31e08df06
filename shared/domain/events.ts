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
 * The member name a JavaScript object cannot hold as data: assigning it sets
 * the object's prototype instead, so parsers and the DynamoDB marshaller
 * would drop it without a word. `constructor` and `prototype` are plain data.
 */
export const UNSTORABLE_KEY = "__proto__";
/** DynamoDB numbers: magnitudes from 1e-130 to just under 1e126 (and zero). */
const STORABLE_NUMBER_BOUND = 1e126;
const SMALLEST_STORABLE_NUMBER = 1e-130;

export interface UnstorableValue {
  /** Where, below the value checked (member names and array indexes). */
  path: (string | number)[];
  message: string;
}

/**
 * The first member of a JSON value that would not come back as it was sent:
 * a number that JSON or DynamoDB cannot hold (`1e309` parses as Infinity and
 * serializes as null), or a `__proto__` member. Walked without recursion.
 */
export function findUnstorableValue(value: unknown): UnstorableValue | undefined {
  return walkForUnstorable(value, true);
}

/** The first `__proto__` member anywhere in a JSON value (any request body is checked). */
export function findUnstorableKey(value: unknown): UnstorableValue | undefined {
  return walkForUnstorable(value, false);
}

/** A place in a JSON value, linked to its parent so a walk costs nothing per level. */
interface Place {
  value: unknown;
  name: string | number | undefined;
  parent: Place | undefined;
}

function pathOf(place: Place): (string | number)[] {
  const path: (string | number)[] = [];
  for (let at: Place | undefined = place; at?.name !== undefined; at = at.parent) {
    path.push(at.name);
  }
  return path.reverse();
}

function walkForUnstorable(value: unknown, numbers: boolean): UnstorableValue | undefined {
  const pending: Place[] = [{ value, name: undefined, parent: undefined }];
  for (let place = pending.pop(); place; place = pending.pop()) {
    const item = place.value;
    if (typeof item === "number" && numbers) {
      const size = Math.abs(item);
      if (!Number.isFinite(item) || size >= STORABLE_NUMBER_BOUND) {
        return { path: pathOf(place), message: "must be a number of magnitude below 1e126" };
      }
      if (size !== 0 && size < SMALLEST_STORABLE_NUMBER) {
        return {
          path: pathOf(place),
          message: "must be zero or a number of magnitude at least 1e-130",
        };
      }
      continue;
    }
    if (item === null || typeof item !== "object") continue;
    if (Array.isArray(item)) {
      item.forEach((child, index) => {
        pending.push({ value: child, name: index, parent: place });
      });
      continue;
    }
    for (const [key, child] of Object.entries(item)) {
      const member = { value: child, name: key, parent: place };
      if (key === UNSTORABLE_KEY) {
        return {
          path: pathOf(member),
          message: `${UNSTORABLE_KEY} cannot be stored as a member name`,
        };
      }
      pending.push(member);
    }
  }
  return undefined;
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
