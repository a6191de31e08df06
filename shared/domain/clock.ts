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
