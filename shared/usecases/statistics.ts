import type { Statistics } from "../contract/schemas/statistics.ts";
import { isoNow } from "../domain/clock.ts";
import type { Principal } from "../domain/principal.ts";
import { countOverdueOpen } from "../storage/expiry-store.ts";
import { readCounters } from "../storage/stats-store.ts";

/**
 * Counts of the sessions the caller can see: its tenant's, or for an
 * own-scoped key the sessions it started (that key's own counters).
 */
export async function tenantStatistics(principal: Principal): Promise<Statistics> {
  const now = isoNow();
  const ownKey = principal.scope === "own" ? principal.keyId : undefined;
  const [counters, overdue] = await Promise.all([
    readCounters({ tenant: principal.tenantId, keyId: ownKey }),
    countOverdueOpen(principal.tenantId, now, ownKey),
  ]);
  const counts = counters.status;
  // Sessions past expires_at are expired for every caller before the job closes them.
  counts.active -= overdue.active;
  counts.paused -= overdue.paused;
  counts.expired += overdue.active + overdue.paused;
  // Counters only move inside transactions, but clamp in case a shard was edited by hand.
  const clamp = (value: number) => Math.max(0, value);
  const clamped = {
    active: clamp(counts.active),
    paused: clamp(counts.paused),
    ended: clamp(counts.ended),
    expired: clamp(counts.expired),
  };
  const open = clamped.active + clamped.paused;
  const outcome = counters.outcome;
  return {
    counts: clamped,
    outcomes: {
      completed: clamp(outcome.completed),
      abandoned: clamp(outcome.abandoned),
      failed: clamp(outcome.failed),
    },
    open,
    total: open + clamped.ended + clamped.expired,
    server_time: now,
  };
}
