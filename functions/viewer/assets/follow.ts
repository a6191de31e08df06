/**
 * Following the open session: by push when the stream can be reached
 * (live.ts), by polling otherwise. While the stream is down, the header and
 * the events after the timeline's cursor are fetched every POLL_MS, and the
 * stream is tried again with a fresh ticket after a growing pause. A failure
 * the API says to retry waits and tries again; a missing session ends the view.
 */
import { ROUTE_INDEX } from "#shared/client/route-index.ts";
import { call, isNotFound, report, wait } from "./api.ts";
import { isCurrent, type SessionView, sessionNotFound } from "./current-session.ts";
import { byId, clearNotice } from "./dom.ts";
import { followLive } from "./live.ts";
import { renderHeader } from "./session-header.ts";
import { fetchEventsAfter } from "./timeline.ts";

const POLL_MS = 2000;
const STREAM_RETRY_FIRST_MS = 2000;
const STREAM_RETRY_MAX_MS = 60_000;
const WHAT = "Following the session";

function showState(text: string): void {
  byId("poll-state").textContent = text;
}

async function refreshHeader(view: SessionView): Promise<void> {
  const { body: session } = await call(ROUTE_INDEX.getSession, { params: { id: view.id } });
  if (isCurrent(view)) renderHeader(session);
}

async function pollOnce(view: SessionView): Promise<void> {
  await refreshHeader(view);
  await fetchEventsAfter(view);
  showState(`polling, updated ${new Date().toLocaleTimeString()}`);
  clearNotice(WHAT);
}

/** Polls until `until` (ms since the epoch); false when the view ended or a failure is final. */
async function pollUntil(view: SessionView, until: number): Promise<boolean> {
  while (isCurrent(view) && Date.now() < until) {
    try {
      await pollOnce(view);
      if (isCurrent(view)) await wait(POLL_MS);
    } catch (failure) {
      if (!isCurrent(view)) return false;
      if (isNotFound(failure)) {
        sessionNotFound(view);
        return false;
      }
      const seconds = report(failure, WHAT);
      if (seconds === undefined) return false;
      showState(`retrying in ${seconds}s`);
      await wait(seconds * 1000);
    }
  }
  return isCurrent(view);
}

/** Follows until the view is replaced or closed, or a failure is not worth retrying. */
export async function follow(view: SessionView): Promise<void> {
  let pause = STREAM_RETRY_FIRST_MS;
  // The first poll fills the header and the timeline; the stream takes over from the cursor.
  // If it fails, polling reports why, retries what may be retried, and ends a missing session.
  const filled = await pollOnce(view).then(
    () => true,
    () => false,
  );
  if (!filled && !(await pollUntil(view, Date.now() + POLL_MS))) return;
  while (isCurrent(view)) {
    const wasLive = await followLive(view, {
      onLive: () => showState("live (push)"),
      onBoundary: () => void refreshHeader(view).catch(() => undefined),
    }).catch(() => false);
    if (!isCurrent(view)) return;
    pause = wasLive ? STREAM_RETRY_FIRST_MS : Math.min(pause * 2, STREAM_RETRY_MAX_MS);
    if (!(await pollUntil(view, Date.now() + pause))) return;
  }
}
