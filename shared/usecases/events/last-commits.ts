/**
 * The sessions this process appended to last, as its own commit left them, so
 * a writer appending to its session again commits without reading it first.
 *
 * A remembered session is only ever a guess: the commit is conditional on
 * the `last_seq` and `version` it names (shared/storage/events/commit.ts), so
 * a stale one loses like any race and answers with the session as it is. A
 * session that loses once is shared with another writer, and is read before
 * each append for the next `SHARED_FOR_MS`, so several writers on one session
 * do not each pay a failed transaction per append.
 */
import { BoundedCache } from "../../domain/bounded-cache.ts";
import type { SessionItem } from "../../storage/items.ts";
import { keys } from "../../storage/keys.ts";

/** Sessions remembered per process; the oldest used goes first. */
const MAX_SESSIONS = 1024;
/** How long a session that lost a race is read before each append. */
const SHARED_FOR_MS = 10_000;

type Memory = { session: SessionItem } | { sharedUntil: number };

const memory = new BoundedCache<Memory>(MAX_SESSIONS, MAX_SESSIONS);

function memoryKey(tenant: string, sessionId: string): string {
  return keys.session(tenant, sessionId).pk;
}

/** The session as this process's last append left it, if it is worth trying. */
export function lastCommitted(tenant: string, sessionId: string): SessionItem | undefined {
  const remembered = memory.get(memoryKey(tenant, sessionId));
  return remembered && "session" in remembered ? remembered.session : undefined;
}

/** Remembers a committed session, unless it was shared lately. */
export function rememberCommit(tenant: string, session: SessionItem): void {
  const key = memoryKey(tenant, session.session_id);
  const remembered = memory.get(key);
  if (remembered && "sharedUntil" in remembered && remembered.sharedUntil > Date.now()) return;
  memory.set(key, { session }, 1);
}

/** Another writer moved the session: read it before each append for a while. */
export function markShared(tenant: string, sessionId: string): void {
  memory.set(memoryKey(tenant, sessionId), { sharedUntil: Date.now() + SHARED_FOR_MS }, 1);
}

/** Forgets a session whose commit ended in an error, so nothing rests on it. */
export function forgetCommit(tenant: string, sessionId: string): void {
  memory.delete(memoryKey(tenant, sessionId));
}
