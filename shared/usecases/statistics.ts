import { isoNow } from "../domain/clock.ts";
import type { Principal } from "../domain/principal.ts";
import type { Statistics } from "../schemas/statistics.ts";
import { countOverdueOpen } from "../storage/expiry-store.ts";
import { readStatusCounts } from "../storage/stats-store.ts";

export async function tenantStatistics(principal: Principal): Promise<Statistics> {
  const now = isoNow();
  const [counts, overdue] = await Promise.all([
    readStatusCounts(principal.tenantId),
    countOverdueOpen(principal.tenantId, now),
  ]);
  // Sessions past expires_at are expired for every caller before the job closes them.
  counts.active -= overdue.active;
  counts.paused -= overdue.paused;
  counts.expired += overdue.active + overdue.paused;
  // Counters only move inside transactions, but clamp in case a shard was edited by hand.
  const clamped = {
    active: Math.max(0, counts.active),
    paused: Math.max(0, counts.paused),
    ended: Math.max(0, counts.ended),
    expired: Math.max(0, counts.expired),
  };
  const open = clamped.active + clamped.paused;
  return {
    counts: clamped,
    open,
    total: open + clamped.ended + clamped.expired,
    server_time: now,
  };
}
