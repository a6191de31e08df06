/**
 * The open session's id lives in the URL fragment: choosing a session adds a
 * history entry, so Back returns to the one before, and a fragment changed
 * by Back, Forward or an edited URL opens what it names.
 */
import { closeSession, currentId } from "./current-session.ts";
import { openSession } from "./session-panel.ts";

/** The session id in the URL fragment, or "". */
export function hashId(): string {
  return decodeURIComponent(location.hash.slice(1));
}

function pushHash(id: string): void {
  if (hashId() !== id) history.pushState(null, "", id ? `#${id}` : location.pathname);
}

/** A session chosen on the page: a new history entry, then the session. */
export function selectSession(id: string): void {
  pushHash(id);
  openSession(id);
}

/** The fragment changed: show what it names, or close the panel when it names nothing. */
export function followHash(): void {
  const id = hashId();
  if (id === currentId()) return;
  if (id === "") closeSession();
  else openSession(id);
}
