/** ISO 8601 UTC with milliseconds and `Z`: the only timestamp format on the wire. */
export function isoNow(now: Date = new Date()): string {
  return now.toISOString();
}

export function epochSeconds(iso: string): number {
  return Math.floor(Date.parse(iso) / 1000);
}

export function addSeconds(iso: string, seconds: number): string {
  return new Date(Date.parse(iso) + seconds * 1000).toISOString();
}

/** The later of two ISO timestamps (same format, so string order is time order). */
export function laterOf(a: string, b: string): string {
  return a >= b ? a : b;
}

/**
 * Timestamps for `count` events that follow one stamped `previous`: each is at
 * least 1 ms after the one before and no earlier than `now`. Strictly
 * increasing timestamps along seq are what make `since` an exact cursor: an
 * event that commits later than another is also stamped later.
 */
export function followingTimestamps(
  previous: string,
  count: number,
  now: Date = new Date(),
): string[] {
  const start = Math.max(now.getTime(), Date.parse(previous) + 1);
  return Array.from({ length: count }, (_, index) => new Date(start + index).toISOString());
}

/** One millisecond before an ISO timestamp. */
export function justBefore(iso: string): string {
  return new Date(Date.parse(iso) - 1).toISOString();
}
