/** The open session's header: lifecycle, outcome, who, when, how many events. */
import type { Session } from "#shared/contract/schemas/session.ts";
import { byId, el } from "./dom.ts";
import { time } from "./ui.ts";

/** A term and its value in a <dl>; a missing value shows as "-". */
export function headerRow(
  label: string,
  value: string | number | null | undefined,
  className?: string,
): HTMLElement[] {
  return [el("dt", { text: label }), el("dd", { text: value ?? "-", className })];
}

function timeRow(label: string, iso: string, suffix = ""): HTMLElement[] {
  return [el("dt", { text: label }), el("dd", {}, [time(iso), suffix])];
}

export function renderHeader(session: Session): void {
  byId("session-header").replaceChildren(
    ...headerRow("Lifecycle status", session.status, `status-${session.status}`),
    ...headerRow("Outcome", session.outcome, `status-${session.outcome}`),
    ...(session.end_reason ? headerRow("End reason", session.end_reason) : []),
    ...headerRow("User", session.user_id),
    ...headerRow("Performer", session.performer_id),
    ...timeRow("Created", session.created_at),
    ...timeRow("Expires", session.expires_at),
    ...(session.ended_at
      ? timeRow("Ended", session.ended_at, ` by ${session.ended_by}`)
      : headerRow("Ended", null)),
    ...headerRow("Events", `${session.event_count} (last seq ${session.last_seq})`),
  );
}
