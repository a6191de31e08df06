// @ts-nocheck: not typed yet; `npm run typecheck` (tsconfig.viewer.json) checks it once this line goes.
import "./viewer-ui.ts";

// The session viewer. Everything the API returns is put on the page with
// textContent or as an attribute value, never parsed as HTML. The API key
// lives in this tab's sessionStorage only: never in a URL, cookie or localStorage.
(() => {
  const KEY_NAME = "session-trail.api-key";
  const POLL_MS = 2000;
  const API = location.pathname.replace(/\/viewer\/?$/, "");
  const SESSION_ID = /^sess_[A-Za-z0-9_-]{22}$/;
  const LIST_REFRESH_MS = 5000;
  const ui = globalThis.SessionTrailUi;

  const $ = (id) => document.getElementById(id);

  class ApiFailure extends Error {
    constructor(status, code, message, retryAfterSeconds) {
      super(message);
      this.status = status;
      this.code = code;
      this.retryAfterSeconds = retryAfterSeconds;
    }
    get retryable() {
      return (
        this.status === 429 ||
        this.status === 502 ||
        this.status === 503 ||
        this.status === 504 ||
        this.status === 0
      );
    }
  }

  const storedKey = () => sessionStorage.getItem(KEY_NAME);

  function el(tag, options = {}, children = []) {
    const node = document.createElement(tag);
    if (options.text !== undefined && options.text !== null)
      node.textContent = String(options.text);
    if (options.className) node.className = options.className;
    for (const [name, value] of Object.entries(options.attrs ?? {})) node.setAttribute(name, value);
    for (const child of children) node.append(child);
    return node;
  }

  // Which part of the page the notice is about, so one part clears only its own.
  let noticeSource = "";

  function notice(text, kind = "info", source = "") {
    const box = $("notice");
    box.textContent = text;
    box.className = kind === "error" ? "notice error" : "notice";
    box.hidden = !text;
    noticeSource = source;
  }

  function clearNotice(source) {
    if (noticeSource === source) notice("");
  }

  function showKeyForm(message) {
    $("key-form").hidden = false;
    $("key-state").hidden = true;
    $("main").hidden = true;
    if (message) notice(message, "error");
    $("key-input").focus();
  }

  function showMain() {
    $("key-form").hidden = true;
    $("key-state").hidden = false;
    $("main").hidden = false;
  }

  async function api(path, query = {}) {
    const key = storedKey();
    if (!key) throw new ApiFailure(401, "UNAUTHORIZED", "Enter an API key.", undefined);
    const url = new URL(`${API}${path}`, location.origin);
    for (const [name, value] of Object.entries(query)) {
      if (value !== undefined && value !== null && value !== "")
        url.searchParams.set(name, String(value));
    }
    let response;
    try {
      response = await fetch(url, { headers: { "X-API-Key": key }, cache: "no-store" });
    } catch {
      throw new ApiFailure(0, "NETWORK_ERROR", "The API could not be reached.", 2);
    }
    let body;
    try {
      body = await response.json();
    } catch {
      body = undefined;
    }
    if (response.ok) return body;
    const retryAfter = Number(response.headers.get("Retry-After"));
    const failure = new ApiFailure(
      response.status,
      typeof body?.error_code === "string" ? body.error_code : `HTTP_${response.status}`,
      typeof body?.message === "string" ? body.message : `The API answered ${response.status}.`,
      Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined,
    );
    if (response.status === 401) {
      sessionStorage.removeItem(KEY_NAME);
      stopSession();
      showKeyForm(`The API key was refused (${failure.message}). Enter a valid key.`);
    }
    throw failure;
  }

  /** Shows what went wrong; answers how long to wait before retrying, or undefined. */
  function report(failure, what) {
    if (!(failure instanceof ApiFailure)) {
      notice(`${what} failed: ${failure}`, "error", what);
      return undefined;
    }
    if (failure.status === 401) return undefined;
    if (failure.retryable) {
      const seconds = failure.retryAfterSeconds ?? 2;
      notice(
        `${what}: ${failure.code}: ${failure.message} Retrying in ${seconds}s.`,
        "error",
        what,
      );
      return seconds;
    }
    notice(`${what}: ${failure.code}: ${failure.message}`, "error", what);
    return undefined;
  }

  const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  /** Calls `load` until it succeeds or fails for good, retrying what the API says to retry. */
  async function withRetry(what, load, isCurrent = () => true) {
    for (;;) {
      try {
        const result = await load();
        return result;
      } catch (failure) {
        const seconds = report(failure, what);
        if (seconds === undefined || !isCurrent()) throw failure;
        await wait(seconds * 1000);
        if (!isCurrent()) throw failure;
      }
    }
  }

  // Sessions list

  let nextCursor = null;

  function sessionRow(session) {
    const row = el("tr", { attrs: { "data-session-id": session.session_id } }, [
      el("td", { text: session.session_id, className: "mono" }),
      el("td", { text: session.status, className: `status-${session.status}` }),
      el("td", { text: session.outcome ?? "-", className: `status-${session.outcome}` }),
      el("td", { text: session.user_id }),
      el("td", { text: session.performer_id, className: "col-performer" }),
      el("td", { className: "col-created" }, [ui.time(session.created_at)]),
      el("td", { text: session.event_count, className: "events" }),
    ]);
    row.classList.toggle("selected", session.session_id === current?.id);
    row.addEventListener("click", () => selectSession(session.session_id));
    return row;
  }

  /** `refresh`: the rows shown now, read again (new sessions, current event counts), quietly. */
  async function listSessions(append, refresh = false) {
    const shown = $("sessions-body").children.length;
    const query = {
      user_id: $("filter-user").value.trim(),
      status: $("filter-status").value,
      outcome: $("filter-outcome").value,
      limit: refresh
        ? Math.min(100, Math.max(shown, Number($("filter-limit").value) || 20))
        : $("filter-limit").value,
      cursor: append ? nextCursor : undefined,
    };
    try {
      const page = refresh
        ? await api("/sessions", query)
        : await withRetry("Listing sessions", () => api("/sessions", query));
      const body = $("sessions-body");
      if (!append) body.replaceChildren();
      for (const session of page.items) body.append(sessionRow(session));
      nextCursor = page.next_cursor;
      $("more-sessions").hidden = !nextCursor;
      if (page.items.length === 0 && !append) {
        notice("No sessions match the filters.", "info", "Listing sessions");
      } else {
        clearNotice("Listing sessions");
      }
    } catch {
      // Reported by withRetry.
    }
  }

  // One session: header, live timeline, investigate

  let current = null;

  function stopSession() {
    current = null;
  }

  function headerRow(label, value, className) {
    return [el("dt", { text: label }), el("dd", { text: value ?? "-", className })];
  }

  function timeRow(label, iso, suffix = "") {
    return [el("dt", { text: label }), el("dd", {}, [ui.time(iso), suffix])];
  }

  function renderHeader(session) {
    $("session-header").replaceChildren(
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

  function typeMatches(type) {
    const wanted = $("type-filter").value.trim();
    return wanted === "" || type === wanted;
  }

  function eventItem(event) {
    const item = el(
      "li",
      { attrs: { "data-seq": String(event.seq), "data-type": event.event_type } },
      [
        el("span", { text: event.seq }),
        el("span", {}, [ui.time(event.timestamp)]),
        el("span", { text: event.event_type, className: `type-${event.event_type}` }),
        el("span", { text: event.message ?? "", className: "message" }),
      ],
    );
    item.hidden = !typeMatches(event.event_type);
    return item;
  }

  /** Fetches every event after the cursor, in order; the cursor is the last seq shown. */
  async function drainEvents(view) {
    for (;;) {
      const page = await api(`/sessions/${view.id}/events`, {
        after: view.cursor,
        order: "asc",
        limit: 1000,
      });
      if (view !== current) return;
      const timeline = $("timeline");
      const atBottom = timeline.scrollTop + timeline.clientHeight >= timeline.scrollHeight - 4;
      for (const event of page.items) {
        if (event.seq <= view.cursor) continue;
        timeline.append(eventItem(event));
        view.cursor = event.seq;
      }
      if (atBottom) timeline.scrollTop = timeline.scrollHeight;
      if (!page.has_more || page.items.length === 0) return;
    }
  }

  async function poll(view) {
    while (view === current) {
      try {
        const session = await api(`/sessions/${view.id}`);
        if (view !== current) return;
        renderHeader(session);
        await drainEvents(view);
        $("poll-state").textContent = `live, updated ${new Date().toLocaleTimeString()}`;
        clearNotice("Following the session");
        await wait(POLL_MS);
      } catch (failure) {
        if (view !== current) return;
        if (failure instanceof ApiFailure && failure.status === 404) {
          sessionNotFound(view);
          return;
        }
        const seconds = report(failure, "Following the session");
        if (seconds === undefined) return;
        $("poll-state").textContent = `retrying in ${seconds}s`;
        await wait(seconds * 1000);
      }
    }
  }

  function openSession(id) {
    if (!SESSION_ID.test(id)) {
      notice(`${id} is not a session id.`, "error");
      return;
    }
    const view = { id, cursor: 0 };
    current = view;
    for (const row of $("sessions-body").children) {
      row.classList.toggle("selected", row.getAttribute("data-session-id") === id);
    }
    $("session").hidden = false;
    $("session-title").textContent = id;
    $("session-copy").replaceChildren(ui.copyButton("Copy id", () => id));
    $("session-header").replaceChildren();
    $("timeline").replaceChildren();
    $("investigation").replaceChildren();
    $("investigation").hidden = true;
    notice("");
    poll(view);
    investigate();
  }

  /** Nothing to show or investigate: a notice, and no empty panel with live buttons. */
  function sessionNotFound(view) {
    if (view !== current) return;
    notice(
      `Session ${view.id} was not found: it does not exist in this tenant, or was deleted.`,
      "error",
    );
    $("poll-state").textContent = "stopped";
    stopSession();
    $("session").hidden = true;
  }

  /** A session chosen on the page: a new history entry, so Back returns to the previous one. */
  function selectSession(id) {
    ui.pushHash(id);
    openSession(id);
  }

  /** The fragment changed (Back, Forward, an edited URL): show what it names. */
  function followHash() {
    const id = ui.hashId();
    if (id === (current?.id ?? "")) return;
    if (id === "") {
      stopSession();
      $("session").hidden = true;
      return;
    }
    openSession(id);
  }

  function fileList(prefix, files, sessionId) {
    return el(
      "ul",
      {},
      files.map((file) => {
        const path = `${prefix}${file.name}`;
        const link = el("button", { text: "download", attrs: { type: "button" } });
        link.addEventListener("click", () => downloadLink(sessionId, path, link));
        return el("li", { attrs: { "data-path": path } }, [
          el("span", { text: file.name, className: "mono" }),
          el("span", { text: formatBytes(file.size_bytes), className: "size" }),
          link,
        ]);
      }),
    );
  }

  /** Asks the API for a presigned link (a browser cannot send the key on a redirect). */
  async function downloadLink(sessionId, path, button) {
    try {
      const encoded = path.split("/").map(encodeURIComponent).join("/");
      const link = await api(`/sessions/${sessionId}/files/${encoded}`, { redirect: "false" });
      const url = new URL(link.url);
      if (url.protocol !== "https:" && url.protocol !== "http:") throw new Error("not a web link");
      const anchor = el("a", {
        text: "download again",
        attrs: { href: url.href, target: "_blank", rel: "noopener noreferrer" },
      });
      button.replaceWith(anchor);
      ui.openLink(url.href);
    } catch (failure) {
      report(failure, `Download link for ${path}`);
    }
  }

  function formatBytes(bytes) {
    if (bytes < 1024) return `${bytes} B`;
    const units = ["KiB", "MiB", "GiB", "TiB"];
    let value = bytes / 1024;
    let unit = units[0];
    for (const next of units.slice(1)) {
      if (value < 1024) break;
      value /= 1024;
      unit = next;
    }
    return `${value.toFixed(value < 10 ? 1 : 0)} ${unit}`;
  }

  function renderInvestigation(report) {
    const parts = [
      el("p", {}, [
        el("strong", { text: "Status: " }),
        el("span", { text: report.session_status, className: `status-${report.session_status}` }),
        el("span", {
          text: ` (lifecycle status ${report.lifecycle_status}, processing status ${report.processing_status ?? "not reported"})`,
        }),
      ]),
    ];
    const failure = report.error_details;
    if (failure) {
      parts.push(
        el("h3", { text: "Failure" }),
        el("p", { text: failure.summary, className: "summary", attrs: { id: "failure-summary" } }),
        el("dl", { className: "header" }, [
          ...headerRow("Stage", failure.processing_stage),
          ...headerRow("Code", failure.error_code),
          ...headerRow("Message", failure.error_message),
          ...headerRow(
            "Exit code",
            failure.blender_exit_code === null
              ? null
              : `${failure.blender_exit_code}${failure.exit_code_meaning ? ` (${failure.exit_code_meaning})` : ""}`,
          ),
          ...headerRow("Failed at", failure.failed_at),
        ]),
      );
    }
    // The failure's summary is shown above; Findings holds the rest.
    const findings = report.findings.filter((text) => text !== failure?.summary);
    if (findings.length) {
      parts.push(
        el("h3", { text: "Findings" }),
        el(
          "ul",
          { attrs: { id: "findings" } },
          findings.map((text) => el("li", { text })),
        ),
      );
    }
    parts.push(el("h3", { text: report.workspace_exists ? "Files" : "Files (nothing uploaded)" }));
    if (report.workspace_exists) {
      const tree = el("ul", { className: "files", attrs: { id: "files" } });
      for (const name of ["input", "output", "logs"]) {
        const folder = report.files.directories[name];
        tree.append(
          el("li", {}, [
            el("span", {
              text: `${name}/ (${plural(folder.file_count, "file")}, ${formatBytes(folder.total_size_bytes)}${folder.truncated ? ", truncated" : ""})`,
            }),
            fileList(`${name}/`, folder.files, report.session_id),
          ]),
        );
      }
      tree.append(
        el("li", {}, [
          el("span", { text: "workspace root" }),
          fileList("", report.files.root_files, report.session_id),
        ]),
      );
      parts.push(tree);
    }
    const logs = report.logs_summary;
    if (logs) {
      parts.push(
        el("h3", {
          text: `Log tail: logs/${logs.log_file} (${plural(logs.total_lines, "line")}, ${plural(logs.error_count, "error")}, ${plural(logs.warning_count, "warning")}${logs.counts_exact ? "" : ", lower bounds"})`,
        }),
        el(
          "pre",
          { className: "log", attrs: { id: "log-tail" } },
          logs.last_lines.map((line) =>
            el("span", {
              text: line,
              className: /\b(ERROR|CRITICAL)\b/.test(line)
                ? "line line-error"
                : /\bWARNING\b/.test(line)
                  ? "line line-warning"
                  : "line",
            }),
          ),
        ),
      );
    }
    if (report.file_errors.length) {
      parts.push(
        el("h3", { text: "Unreadable files" }),
        el(
          "ul",
          {},
          report.file_errors.map((entry) => el("li", { text: `${entry.file}: ${entry.reason}` })),
        ),
      );
    }
    $("investigation").replaceChildren(...parts);
    $("investigation").hidden = false;
    ui.scrollToEnd($("log-tail"));
  }

  const plural = (count, noun) => `${count} ${noun}${count === 1 ? "" : "s"}`;

  async function investigate() {
    const view = current;
    if (!view) return;
    try {
      const result = await withRetry(
        "Investigating",
        () => api(`/sessions/${view.id}/investigate`, { log_lines: 50 }),
        () => view === current,
      );
      if (view === current) renderInvestigation(result);
    } catch (failure) {
      // Reported by withRetry; a missing session is said once, for the whole panel.
      if (failure instanceof ApiFailure && failure.status === 404) sessionNotFound(view);
    }
  }

  // Wiring

  $("key-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const key = $("key-input").value.trim();
    $("key-input").value = "";
    if (!key) return;
    sessionStorage.setItem(KEY_NAME, key);
    notice("");
    start();
  });
  $("forget-key").addEventListener("click", () => {
    sessionStorage.removeItem(KEY_NAME);
    stopSession();
    $("session").hidden = true;
    $("sessions-body").replaceChildren();
    showKeyForm("");
    notice("");
  });
  $("filters").addEventListener("submit", (event) => {
    event.preventDefault();
    listSessions(false);
  });
  $("more-sessions").addEventListener("click", () => listSessions(true));
  $("type-filter").addEventListener("input", () => {
    for (const item of $("timeline").children) {
      item.hidden = !typeMatches(item.getAttribute("data-type"));
    }
  });
  $("investigate").addEventListener("click", investigate);
  $("find-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const id = $("find-id").value.trim();
    if (!SESSION_ID.test(id)) {
      notice(
        `${id || "(empty)"} is not a session id (sess_ and 22 letters, digits, - or _).`,
        "error",
      );
      return;
    }
    selectSession(id);
  });
  window.addEventListener("hashchange", followHash);
  window.addEventListener("popstate", followHash);
  // The list stays current while the page is open: new sessions, event counts, ends.
  setInterval(() => {
    if (storedKey() && !$("main").hidden && document.visibilityState === "visible") {
      listSessions(false, true);
    }
  }, LIST_REFRESH_MS);

  function start() {
    showMain();
    listSessions(false);
    const wanted = ui.hashId();
    if (wanted) openSession(wanted);
  }

  if (storedKey()) start();
  else showKeyForm("");
})();
