/**
 * The sessions list: filtered pages with "More", a row per session that
 * opens it, and a quiet refresh of the rows shown (new sessions, current
 * event counts, ends) while the page is open.
 */

import type { RouteInput } from "#shared/client/client.ts";
import { ROUTE_INDEX } from "#shared/client/route-index.ts";
import type { Session } from "#shared/contract/schemas/session.ts";
import { call, withRetry } from "./api.ts";
import { currentId } from "./current-session.ts";
import { byId, clearNotice, el, notice } from "./dom.ts";
import { time } from "./ui.ts";

type ListQuery = NonNullable<RouteInput<typeof ROUTE_INDEX.listSessions>["query"]>;
type Lifecycle = NonNullable<ListQuery["status"]>;
type Outcome = NonNullable<ListQuery["outcome"]>;

// Every value the filters offer, typed by the contract: a status it drops fails to compile here.
const LIFECYCLES: Record<Lifecycle, true> = {
  active: true,
  paused: true,
  ended: true,
  expired: true,
};
const OUTCOMES: Record<Outcome, true> = { completed: true, abandoned: true, failed: true };
const WHAT = "Listing sessions";

const oneOf = <T extends string>(known: Record<T, true>, value: string): T | undefined =>
  Object.hasOwn(known, value) ? (value as T) : undefined;

let nextCursor: string | null = null;
let onSelect: (id: string) => void = () => {};

/** What a click on a row does (navigation.ts: a history entry, then the session). */
export function whenRowChosen(handler: (id: string) => void): void {
  onSelect = handler;
}

function sessionRow(session: Session): HTMLTableRowElement {
  const row = el("tr", { attrs: { "data-session-id": session.session_id } }, [
    el("td", { text: session.session_id, className: "mono" }),
    el("td", { text: session.status, className: `status-${session.status}` }),
    el("td", { text: session.outcome ?? "-", className: `status-${session.outcome}` }),
    el("td", { text: session.user_id }),
    el("td", { text: session.performer_id, className: "col-performer" }),
    el("td", { className: "col-created" }, [time(session.created_at)]),
    el("td", { text: session.event_count, className: "events" }),
  ]);
  row.classList.toggle("selected", session.session_id === currentId());
  row.addEventListener("click", () => onSelect(session.session_id));
  return row;
}

export function markSelected(id: string): void {
  for (const row of byId("sessions-body").children) {
    row.classList.toggle("selected", row.getAttribute("data-session-id") === id);
  }
}

function listQuery(append: boolean, refresh: boolean): ListQuery {
  const limit = byId<HTMLInputElement>("filter-limit").value;
  const shown = byId("sessions-body").children.length;
  return {
    user_id: byId<HTMLInputElement>("filter-user").value.trim() || undefined,
    status: oneOf(LIFECYCLES, byId<HTMLSelectElement>("filter-status").value),
    outcome: oneOf(OUTCOMES, byId<HTMLSelectElement>("filter-outcome").value),
    limit: refresh ? Math.min(100, Math.max(shown, Number(limit) || 20)) : limit || undefined,
    cursor: append ? (nextCursor ?? undefined) : undefined,
  };
}

/** `refresh`: the rows shown now, read again (new sessions, current event counts), quietly. */
export async function listSessions(append: boolean, refresh = false): Promise<void> {
  const query = listQuery(append, refresh);
  const load = () => call(ROUTE_INDEX.listSessions, { query });
  try {
    const { body: page } = refresh ? await load() : await withRetry(WHAT, load);
    const body = byId("sessions-body");
    if (!append) body.replaceChildren();
    for (const session of page.items) body.append(sessionRow(session));
    nextCursor = page.next_cursor;
    byId("more-sessions").hidden = !nextCursor;
    if (page.items.length === 0 && !append) notice("No sessions match the filters.", "info", WHAT);
    else clearNotice(WHAT);
  } catch {
    // Reported by withRetry; a quiet refresh tries again at the next tick.
  }
}

export function clearSessions(): void {
  byId("sessions-body").replaceChildren();
}
