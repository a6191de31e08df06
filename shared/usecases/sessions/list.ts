/**
 * Listing a caller's sessions a page at a time, with its filters, behind a
 * signed cursor bound to the caller and the query.
 */
import type { SessionList } from "../../contract/schemas/session-list.ts";
import { isoNow } from "../../domain/clock.ts";
import type { Principal } from "../../domain/principal.ts";
import type { SessionOutcome, SessionStatus } from "../../domain/session.ts";
import { toSession } from "../../storage/items.ts";
import { listSessions as readSessionPage } from "../../storage/sessions/list.ts";
import { cursorContext, decodeCursor, encodeCursor } from "../cursor.ts";

export async function listSessions(
  principal: Principal,
  query: {
    user_id?: string | undefined;
    status?: SessionStatus | undefined;
    outcome?: SessionOutcome | undefined;
    label?: string | undefined;
    created_after?: string | undefined;
    created_before?: string | undefined;
    limit: number;
    cursor?: string | undefined;
  },
): Promise<SessionList> {
  const bound = cursorContext(principal, query);
  const position = query.cursor ? decodeCursor(query.cursor, bound) : undefined;
  const now = isoNow();
  const page = await readSessionPage({
    now,
    tenant: principal.tenantId,
    startedByKey: principal.scope === "own" ? principal.keyId : undefined,
    userId: query.user_id,
    status: query.status,
    outcome: query.outcome,
    label: query.label === undefined ? undefined : splitLabel(query.label),
    createdAfter: query.created_after,
    createdBefore: query.created_before,
    limit: query.limit,
    startAfterPosition: position,
  });
  const items = page.items.map((item) => toSession(item, now));
  return {
    items,
    returned: items.length,
    next_cursor: page.nextPosition ? encodeCursor(page.nextPosition, bound) : null,
  };
}

/** `key:value`, split at the first colon (label keys have none). */
function splitLabel(filter: string): { key: string; value: string } {
  const colon = filter.indexOf(":");
  return { key: filter.slice(0, colon), value: filter.slice(colon + 1) };
}
