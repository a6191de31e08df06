/**
 * The viewer page: one HTML document whose script and style are inline and
 * allowed by their SHA-256 in the Content-Security-Policy, so the page needs
 * nothing from any other origin and runs no script it did not ship. The
 * script is the one built from assets/viewer.ts (infra/bundling.ts): it sits
 * beside the bundle, or beside this module when the local stack runs it.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";

function asset(name: string): string {
  return readFileSync(new URL(`./assets/${name}`, import.meta.url), "utf8");
}

function builtScript(): string {
  try {
    return readFileSync(new URL("./viewer.js", import.meta.url), "utf8");
  } catch (error) {
    if (error instanceof Error && "code" in error && error.code === "ENOENT") {
      throw new Error("viewer.js is missing: it is built with the bundle, or by the local stack");
    }
    throw error;
  }
}

function sha256(text: string): string {
  return `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;
}

export interface ViewerPage {
  html: string;
  contentSecurityPolicy: string;
}

/** The page's static markup; the script fills it in. */
const VIEWER_MARKUP = `<header class="bar">
  <h1>Session Trail</h1>
  <form id="key-form" class="key-form" hidden>
    <label>API key <input id="key-input" type="password" autocomplete="off" spellcheck="false" required></label>
    <button type="submit">Use key</button>
  </form>
  <div id="key-state" class="key-state" hidden>
    <span>Key set for this tab</span>
    <button id="forget-key" type="button">Forget key</button>
  </div>
</header>
<p id="notice" class="notice" role="status" hidden></p>
<main id="main" hidden>
  <section class="sessions">
    <h2>Sessions</h2>
    <form id="find-form" class="filters">
      <label>Session id <input id="find-id" spellcheck="false" placeholder="sess_…" autocomplete="off"></label>
      <button type="submit">Open</button>
    </form>
    <form id="filters" class="filters">
      <label>User <input id="filter-user" name="user_id" spellcheck="false"></label>
      <label>Lifecycle
        <select id="filter-status" name="status">
          <option value="">any</option><option>active</option><option>paused</option><option>ended</option><option>expired</option>
        </select>
      </label>
      <label>Outcome
        <select id="filter-outcome" name="outcome">
          <option value="">any</option><option>completed</option><option>abandoned</option><option>failed</option>
        </select>
      </label>
      <label>Limit <input id="filter-limit" name="limit" type="number" min="1" max="100" value="20"></label>
      <button type="submit">List</button>
    </form>
    <div class="table-wrap">
      <table id="sessions-table">
        <thead><tr><th>Session</th><th>Lifecycle</th><th>Outcome</th><th>User</th><th class="col-performer">Performer</th><th class="col-created">Created</th><th>Events</th></tr></thead>
        <tbody id="sessions-body"></tbody>
      </table>
    </div>
    <p class="hint">Lifecycle is the session's own state; outcome is what its end said. Processing status (from the workspace's status.json) is per session: open one to see it. The list refreshes itself.</p>
    <button id="more-sessions" type="button" hidden>More</button>
  </section>
  <section id="session" class="session" hidden>
    <div class="title-row"><h2 id="session-title"></h2><span id="session-copy"></span></div>
    <dl id="session-header" class="header"></dl>
    <p class="hint">Lifecycle status is the session's own state (active, paused, ended, expired). Investigate's status also weighs the processing job's report in status.json: a session can be active while its processing failed.</p>
    <div class="tabs">
      <h3>Timeline</h3>
      <label>Type <input id="type-filter" spellcheck="false" placeholder="all"></label>
      <span id="poll-state" class="poll-state"></span>
    </div>
    <ol id="timeline" class="timeline"></ol>
    <div class="tabs">
      <h3>Investigate</h3>
      <button id="investigate" type="button">Investigate again</button>
    </div>
    <div id="investigation" class="investigation" hidden></div>
  </section>
</main>
`;

/**
 * The page, its CSP allowing connections to this origin and to the push
 * stream's origin (`streamUrl`, a WebSocket API of its own on AWS).
 */
export function buildViewerPage(streamUrl?: string): ViewerPage {
  const script = builtScript();
  const style = asset("viewer.css");
  const contentSecurityPolicy = [
    "default-src 'none'",
    `script-src ${sha256(script)}`,
    `style-src ${sha256(style)}`,
    // The API is on this origin; workspace downloads are navigations, not fetches.
    `connect-src 'self'${streamUrl ? ` ${new URL(streamUrl).origin}` : ""}`,
    "img-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Session Trail viewer</title>
<style>${style}</style>
</head>
<body>
${VIEWER_MARKUP}<script>${script}</script>
</body>
</html>
`;
  return { html, contentSecurityPolicy };
}
