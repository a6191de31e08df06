/**
 * The open session's event timeline. Events reach it through one seam:
 * `appendEvents(view, events)` puts on the page, in seq order, the events
 * after the view's cursor and moves the cursor; `fetchEventsAfter(view)`
 * asks the API for every event after the cursor and appends them. The
 * polling loop (follow.ts) calls the latter; any other source of events
 * (a push subscription) calls `appendEvents` with what it receives, and
 * `fetchEventsAfter` when it sees a gap or reconnects. An event at or below
 * the cursor is never shown twice, whichever source brings it.
 */
import { ROUTE_INDEX } from "#shared/client/route-index.ts";
import type { SessionEvent } from "#shared/contract/schemas/event.ts";
import { call } from "./api.ts";
import { isCurrent, type SessionView } from "./current-session.ts";
import { byId, el } from "./dom.ts";
import { time } from "./ui.ts";

const PAGE_LIMIT = 1000;

function typeMatches(type: string | null): boolean {
  const wanted = byId<HTMLInputElement>("type-filter").value.trim();
  return wanted === "" || type === wanted;
}

function eventItem(event: SessionEvent): HTMLLIElement {
  const item = el(
    "li",
    { attrs: { "data-seq": String(event.seq), "data-type": event.event_type } },
    [
      el("span", { text: event.seq }),
      el("span", {}, [time(event.timestamp)]),
      el("span", { text: event.event_type, className: `type-${event.event_type}` }),
      el("span", { text: event.message ?? "", className: "message" }),
    ],
  );
  item.hidden = !typeMatches(event.event_type);
  return item;
}

/** Shows the events after the view's cursor, oldest first, keeping the view at the end if it was there. */
export function appendEvents(view: SessionView, events: readonly SessionEvent[]): void {
  if (!isCurrent(view)) return;
  const timeline = byId("timeline");
  const atBottom = timeline.scrollTop + timeline.clientHeight >= timeline.scrollHeight - 4;
  for (const event of [...events].sort((a, b) => a.seq - b.seq)) {
    if (event.seq <= view.cursor) continue;
    timeline.append(eventItem(event));
    view.cursor = event.seq;
  }
  if (atBottom) timeline.scrollTop = timeline.scrollHeight;
}

/** Fetches every event after the view's cursor, page by page, and appends them. */
export async function fetchEventsAfter(view: SessionView): Promise<void> {
  for (;;) {
    const { body: page } = await call(ROUTE_INDEX.listEvents, {
      params: { id: view.id },
      query: { after: view.cursor, order: "asc", limit: PAGE_LIMIT },
    });
    if (!isCurrent(view)) return;
    appendEvents(view, page.items);
    if (!page.has_more || page.items.length === 0) return;
  }
}

export function clearTimeline(): void {
  byId("timeline").replaceChildren();
}

/** Hides the events whose type is not the one typed in the filter. */
export function applyTypeFilter(): void {
  for (const item of byId("timeline").children) {
    if (item instanceof HTMLElement) item.hidden = !typeMatches(item.getAttribute("data-type"));
  }
}
