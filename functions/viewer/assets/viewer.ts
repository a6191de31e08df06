/**
 * The session viewer's entry: wires the page's forms and buttons to the
 * modules beside it and starts with the key form or the sessions list.
 * esbuild builds it and its imports into the one inline script the page's
 * CSP allows by hash (infra/bundling.ts, functions/viewer/page.ts).
 */
import { whenUnauthorized } from "./api.ts";
import { closeSession, currentView, stopSession } from "./current-session.ts";
import { byId, notice } from "./dom.ts";
import { investigate } from "./investigate-panel.ts";
import { forgetKey, showKeyForm, showMain, storedKey, storeKey } from "./key.ts";
import { followHash, hashId, selectSession } from "./navigation.ts";
import { openSession, SESSION_ID } from "./session-panel.ts";
import { clearSessions, listSessions, whenRowChosen } from "./sessions-list.ts";
import { applyTypeFilter } from "./timeline.ts";

const LIST_REFRESH_MS = 5000;

function start(): void {
  showMain();
  void listSessions(false);
  const wanted = hashId();
  if (wanted) openSession(wanted);
}

function wireKey(): void {
  byId("key-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = byId<HTMLInputElement>("key-input");
    const key = input.value.trim();
    input.value = "";
    if (!key) return;
    storeKey(key);
    notice("");
    start();
  });
  byId("forget-key").addEventListener("click", () => {
    forgetKey();
    closeSession();
    clearSessions();
    showKeyForm("");
    notice("");
  });
  whenUnauthorized((failure) => {
    forgetKey();
    stopSession();
    showKeyForm(`The API key was refused (${failure.message}). Enter a valid key.`);
  });
}

function findSession(event: SubmitEvent): void {
  event.preventDefault();
  const id = byId<HTMLInputElement>("find-id").value.trim();
  if (!SESSION_ID.test(id)) {
    notice(
      `${id || "(empty)"} is not a session id (sess_ and 22 letters, digits, - or _).`,
      "error",
    );
    return;
  }
  selectSession(id);
}

function wireLists(): void {
  byId("filters").addEventListener("submit", (event) => {
    event.preventDefault();
    void listSessions(false);
  });
  byId("more-sessions").addEventListener("click", () => listSessions(true));
  byId("find-form").addEventListener("submit", findSession);
  whenRowChosen(selectSession);
  // The list stays current while the page is open: new sessions, event counts, ends.
  setInterval(() => {
    if (storedKey() && !byId("main").hidden && document.visibilityState === "visible") {
      void listSessions(false, true);
    }
  }, LIST_REFRESH_MS);
}

function wireSession(): void {
  byId("type-filter").addEventListener("input", applyTypeFilter);
  byId("investigate").addEventListener("click", () => {
    const view = currentView();
    if (view) void investigate(view);
  });
  window.addEventListener("hashchange", followHash);
  window.addEventListener("popstate", followHash);
}

wireKey();
wireLists();
wireSession();
if (storedKey()) start();
else showKeyForm("");
