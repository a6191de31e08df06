/**
 * The expiry job: closes open sessions whose `expires_at` has passed, each
 * with the same transaction as an end (status `expired`, a `session_expired`
 * event by `system`, the lock released). It is idempotent: every close
 * re-reads the session and a session that is already closed is skipped
 * without writing, so a second run or a racing end adds no second event.
 */
import { isoNow } from "../domain/clock.ts";
import { AppError } from "../domain/errors.ts";
import { isOpen, SYSTEM_PERFORMER } from "../domain/session.ts";
import { logger } from "../observability.ts";
import { type DueSession, EXPIRY_SHARD_IDS, readDuePage } from "../storage/expiry-store.ts";
import { readSession } from "../storage/sessions/read.ts";
import { applyTransition } from "./sessions/transition.ts";

export interface ExpiryReport {
  expired: number;
  skipped: number;
  failed: number;
  /** True when the time budget ran out before every due session was seen. */
  incomplete: boolean;
}

const PAGE_SIZE = 50;
const CONCURRENCY = 8;

export type ExpireOutcome = "expired" | "skipped";

/** Closes one due session, unless it was closed (or extended) meanwhile. */
export async function expireSession(due: DueSession, now: string): Promise<ExpireOutcome> {
  const session = await readSession(due.tenant, due.sessionId);
  if (!session || !isOpen(session.status) || session.expires_at > now) return "skipped";
  try {
    await applyTransition(due.tenant, session, "expire", SYSTEM_PERFORMER);
    return "expired";
  } catch (error) {
    // Ended by its user between the read and the commit: nothing to do.
    if (error instanceof AppError && error.code === "SESSION_ALREADY_ENDED") return "skipped";
    throw error;
  }
}

/**
 * Works through every shard until nothing is due or `hasTime()` says the
 * budget is spent; the next run continues where this one stopped.
 */
export async function expireDueSessions(hasTime: () => boolean): Promise<ExpiryReport> {
  const report: ExpiryReport = { expired: 0, skipped: 0, failed: 0, incomplete: false };
  const now = isoNow();
  // Settled, not all: a shard whose read fails must not end the run while other
  // shards still have closes on the wire (Lambda would freeze them mid-request).
  const shards = await Promise.allSettled(
    EXPIRY_SHARD_IDS.map(async (shard) => {
      let startAfter: Record<string, unknown> | undefined;
      do {
        if (!hasTime()) {
          report.incomplete = true;
          return;
        }
        const page = await readDuePage(shard, now, PAGE_SIZE, startAfter);
        for (let index = 0; index < page.due.length; index += CONCURRENCY) {
          if (!hasTime()) {
            report.incomplete = true;
            return;
          }
          const batch = page.due.slice(index, index + CONCURRENCY);
          const outcomes = await Promise.allSettled(batch.map((due) => expireSession(due, now)));
          outcomes.forEach((outcome, position) => {
            if (outcome.status === "fulfilled") {
              report[outcome.value] += 1;
            } else {
              report.failed += 1;
              logger.error("session expiry failed", {
                session_id: batch[position]?.sessionId,
                error: outcome.reason instanceof Error ? outcome.reason.name : "unknown",
              });
            }
          });
        }
        startAfter = page.next;
      } while (startAfter);
    }),
  );
  const failedShard = shards.find(
    (result): result is PromiseRejectedResult => result.status === "rejected",
  );
  if (failedShard) throw failedShard.reason;
  return report;
}
