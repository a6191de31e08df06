/**
 * Following the open session by polling: every POLL_MS the header is read
 * again and the timeline fetches the events after its cursor. A failure the
 * API says to retry waits and tries again; a missing session ends the view.
 */
import { ROUTE_INDEX } from "#shared/client/route-index.ts";
import { call, isNotFound, report, wait } from "./api.ts";
import { isCurrent, type SessionView, sessionNotFound } from "./current-session.ts";
import { byId, clearNotice } from "./dom.ts";
import { renderHeader } from "./session-header.ts";
import { fetchEventsAfter } from "./timeline.ts";

const POLL_MS = 2000;
const WHAT = "Following the session";

async function pollOnce(view: SessionView): Promise<void> {
  const { body: session } = await call(ROUTE_INDEX.getSession, { params: { id: view.id } });
  if (!isCurrent(view)) return;
  renderHeader(session);
  await fetchEventsAfter(view);
  byId("poll-state").textContent = `live, updated ${new Date().toLocaleTimeString()}`;
  clearNotice(WHAT);
}

/** Polls until the view is replaced or closed, or a failure is not worth retrying. */
export async function follow(view: SessionView): Promise<void> {
  while (isCurrent(view)) {
    try {
      await pollOnce(view);
      if (isCurrent(view)) await wait(POLL_MS);
    } catch (failure) {
      if (!isCurrent(view)) return;
      if (isNotFound(failure)) {
        sessionNotFound(view);
        return;
      }
      const seconds = report(failure, WHAT);
      if (seconds === undefined) return;
      byId("poll-state").textContent = `retrying in ${seconds}s`;
      await wait(seconds * 1000);
    }
  }
}
