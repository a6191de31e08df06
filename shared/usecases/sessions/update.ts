/**
 * Updating a session's notes and labels: the merge patch applied to the
 * session as read and committed with its `session_updated` event, again on
 * the session as it now is after a lost race.
 */
import { config } from "../../config.ts";
import type { SessionEvent } from "../../contract/schemas/event.ts";
import type { Session } from "../../contract/schemas/session.ts";
import type { UpdateSessionBody } from "../../contract/schemas/session-requests.ts";
import { followingTimestamps, isoNow } from "../../domain/clock.ts";
import { sessionNotFound, UnavailableError } from "../../domain/errors.ts";
import { requireVersion, type VersionPrecondition } from "../../domain/preconditions.ts";
import type { Principal } from "../../domain/principal.ts";
import { isOverdue } from "../../domain/session.ts";
import { eventTtl } from "../../storage/event-items.ts";
import { type SessionItem, toSession } from "../../storage/items.ts";
import { readSession } from "../../storage/sessions/read.ts";
import { commitUpdate } from "../../storage/sessions/update.ts";
import { RACE_RETRY_BUDGET_MS, RaceRetry } from "../../storage/transactions.ts";
import { boundaryEvent } from "./boundary-event.ts";
import { mergeSessionPatch } from "./merge-patch.ts";
import { readVisibleSession } from "./read.ts";
import { closeOverdue } from "./transition.ts";

export type UpdateResult = { session: Session; event: SessionEvent | null };

/**
 * A JSON merge patch of the session's notes and labels, allowed on any
 * session that is not deleted. It commits with a `session_updated` event in
 * one transaction, conditional on the `last_seq` and version read. Without
 * If-Match a lost race (an append, another change) is retried on the session
 * as it now is (the last writer wins); with If-Match, a version that is not
 * the one asked for is 412 at once, while a race with an append only is
 * retried, since appends do not change the version.
 */
export async function updateSession(
  principal: Principal,
  sessionId: string,
  patch: UpdateSessionBody,
  precondition: VersionPrecondition | undefined,
): Promise<UpdateResult> {
  const tenant = principal.tenantId;
  let read = await readVisibleSession(principal, sessionId);
  const retry = new RaceRetry(RACE_RETRY_BUDGET_MS, 10, 200);
  for (;;) {
    if (!read) throw sessionNotFound();
    if (isOverdue(read, isoNow())) {
      // Expired as every caller already sees it, before the update is applied to it.
      await closeOverdue(tenant, read);
      read = await readSession(tenant, sessionId);
      continue;
    }
    requireVersion(precondition, read.version);
    const merged = mergeSessionPatch(read, patch);
    if (merged.changed.length === 0) return { session: toSession(read), event: null };
    const now = followingTimestamps(read.last_event_at, 1)[0] ?? isoNow();
    const event = boundaryEvent(read, "session_updated", read.last_seq + 1, now, principal.keyId);
    event.event_data = { changed: merged.changed };
    const outcome = await commitUpdate({
      tenant,
      read,
      sessionNotes: merged.sessionNotes,
      labels: merged.labels,
      event,
      eventTtlEpoch: eventTtl(read.expires_at, now, config().RETENTION_DAYS),
    });
    if (outcome === "committed") {
      const next: SessionItem = {
        ...read,
        session_notes: merged.sessionNotes,
        labels: merged.labels,
        version: read.version + 1,
        updated_at: now,
        last_accessed: now,
        last_event_at: now,
        last_seq: event.seq,
      };
      return { session: toSession(next), event };
    }
    if (!(await retry.pause())) break;
    read = await readSession(tenant, sessionId);
  }
  throw new UnavailableError("The session is changing too fast to apply this change; retry.");
}
