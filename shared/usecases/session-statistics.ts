/**
 * One session's statistics, in constant time whatever its size: the counts
 * and times come from counters its own transactions keep on the session item
 * (per-type counts, `last_seq`, the time spent in closed status periods), and
 * the processing status from the one item investigate leaves beside it.
 */

import type { SessionStatistics } from "../contract/schemas/statistics.ts";
import { isoNow } from "../domain/clock.ts";
import { sessionNotFound } from "../domain/errors.ts";
import { isReservedEventType } from "../domain/events.ts";
import type { Principal } from "../domain/principal.ts";
import { lifecycleAsOf, timeInStatus } from "../domain/session.ts";
import { readProcessingStatus } from "../storage/processing-status-store.ts";
import { readVisibleSession } from "./sessions/read.ts";

export async function sessionStatistics(
  principal: Principal,
  sessionId: string,
): Promise<SessionStatistics> {
  const [stored, processing] = await Promise.all([
    readVisibleSession(principal, sessionId),
    readProcessingStatus(principal.tenantId, sessionId),
  ]);
  if (!stored) throw sessionNotFound();
  const now = isoNow();
  const session = lifecycleAsOf(stored, now);
  const times = timeInStatus(stored, now);
  const client = Object.entries(stored.type_counts)
    .filter(([type]) => !isReservedEventType(type))
    .reduce((sum, [, count]) => sum + count, 0);
  const activeMinutes = times.active_ms / 60_000;
  return {
    session_id: session.session_id,
    status: session.status,
    events: { total: stored.last_seq, by_type: stored.type_counts, client },
    first_event_at: stored.created_at,
    last_event_at: stored.last_event_at,
    active_seconds: times.active_ms / 1000,
    paused_seconds: times.paused_ms / 1000,
    events_per_active_minute:
      times.active_ms > 0 ? Math.round((client / activeMinutes) * 100) / 100 : null,
    outcome: session.outcome,
    processing_status: processing?.status ?? null,
    processing_status_observed_at: processing?.observedAt ?? null,
    server_time: now,
  };
}
