/**
 * Opening one session: the panel is reset for it, the list marks its row,
 * and its timeline is followed while its investigation loads.
 */
import { beginView } from "./current-session.ts";
import { byId, notice } from "./dom.ts";
import { follow } from "./follow.ts";
import { clearInvestigation, investigate } from "./investigate-panel.ts";
import { markSelected } from "./sessions-list.ts";
import { clearTimeline } from "./timeline.ts";
import { copyButton } from "./ui.ts";

export const SESSION_ID = /^sess_[A-Za-z0-9_-]{22}$/;

export function openSession(id: string): void {
  if (!SESSION_ID.test(id)) {
    notice(`${id} is not a session id.`, "error");
    return;
  }
  const view = beginView(id);
  markSelected(id);
  byId("session").hidden = false;
  byId("session-title").textContent = id;
  byId("session-copy").replaceChildren(copyButton("Copy id", () => id));
  byId("session-header").replaceChildren();
  clearTimeline();
  clearInvestigation();
  notice("");
  void follow(view);
  void investigate(view);
}
