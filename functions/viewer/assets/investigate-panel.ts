/**
 * The investigate panel: what happened to the session (lifecycle and
 * processing status, the failure, findings, files, the log tail, files it
 * could not read), loaded with the session and again on request.
 */
import { ROUTE_INDEX } from "#shared/client/route-index.ts";
import type {
  ErrorDetails,
  LogsSummary,
  SessionInvestigationResponse,
} from "#shared/contract/schemas/investigate.ts";
import { call, isNotFound, withRetry } from "./api.ts";
import { isCurrent, type SessionView, sessionNotFound } from "./current-session.ts";
import { byId, el } from "./dom.ts";
import { filesTree } from "./files.ts";
import { headerRow } from "./session-header.ts";
import { plural, scrollToEnd } from "./ui.ts";

const LOG_LINES = 50;

function statusLine(report: SessionInvestigationResponse): HTMLElement {
  const processing = report.processing_status ?? "not reported";
  return el("p", {}, [
    el("strong", { text: "Status: " }),
    el("span", { text: report.session_status, className: `status-${report.session_status}` }),
    el("span", {
      text: ` (lifecycle status ${report.lifecycle_status}, processing status ${processing})`,
    }),
  ]);
}

function exitCode(failure: ErrorDetails): string | null {
  if (failure.blender_exit_code === null) return null;
  const meaning = failure.exit_code_meaning ? ` (${failure.exit_code_meaning})` : "";
  return `${failure.blender_exit_code}${meaning}`;
}

function failureParts(failure: ErrorDetails): HTMLElement[] {
  return [
    el("h3", { text: "Failure" }),
    el("p", { text: failure.summary, className: "summary", attrs: { id: "failure-summary" } }),
    el("dl", { className: "header" }, [
      ...headerRow("Stage", failure.processing_stage),
      ...headerRow("Code", failure.error_code),
      ...headerRow("Message", failure.error_message),
      ...headerRow("Exit code", exitCode(failure)),
      ...headerRow("Failed at", failure.failed_at),
    ]),
  ];
}

function lineClass(line: string): string {
  if (/\b(ERROR|CRITICAL)\b/.test(line)) return "line line-error";
  if (/\bWARNING\b/.test(line)) return "line line-warning";
  return "line";
}

function logParts(logs: LogsSummary): HTMLElement[] {
  const counts = [
    plural(logs.total_lines, "line"),
    plural(logs.error_count, "error"),
    plural(logs.warning_count, "warning"),
  ].join(", ");
  const bounds = logs.counts_exact ? "" : ", lower bounds";
  return [
    el("h3", { text: `Log tail: logs/${logs.log_file} (${counts}${bounds})` }),
    el(
      "pre",
      { className: "log", attrs: { id: "log-tail" } },
      logs.last_lines.map((line) => el("span", { text: line, className: lineClass(line) })),
    ),
  ];
}

function reportParts(report: SessionInvestigationResponse): HTMLElement[] {
  const failure = report.error_details;
  const parts = [statusLine(report), ...(failure ? failureParts(failure) : [])];
  // The failure's summary is shown above; Findings holds the rest.
  const findings = report.findings.filter((text) => text !== failure?.summary);
  if (findings.length) {
    const items = findings.map((text) => el("li", { text }));
    parts.push(el("h3", { text: "Findings" }), el("ul", { attrs: { id: "findings" } }, items));
  }
  parts.push(el("h3", { text: report.workspace_exists ? "Files" : "Files (nothing uploaded)" }));
  if (report.workspace_exists) parts.push(filesTree(report));
  if (report.logs_summary) parts.push(...logParts(report.logs_summary));
  if (report.file_errors.length) {
    const items = report.file_errors.map((entry) =>
      el("li", { text: `${entry.file}: ${entry.reason}` }),
    );
    parts.push(el("h3", { text: "Unreadable files" }), el("ul", {}, items));
  }
  return parts;
}

export function clearInvestigation(): void {
  byId("investigation").replaceChildren();
  byId("investigation").hidden = true;
}

let loading: { view: SessionView; done: Promise<void> } | undefined;

/**
 * Investigates the view's session and shows the report, unless the view
 * changed meanwhile. A request while one for the same view is loading joins
 * it: a second report landing later would replace the panel under the
 * reader, and with it any download link just asked for. The panel is
 * `aria-busy` while a report loads.
 */
export function investigate(view: SessionView): Promise<void> {
  if (loading?.view === view) return loading.done;
  const panel = byId("investigation");
  panel.setAttribute("aria-busy", "true");
  const done = load(view).finally(() => {
    if (loading?.done !== done) return;
    loading = undefined;
    panel.setAttribute("aria-busy", "false");
  });
  loading = { view, done };
  return done;
}

async function load(view: SessionView): Promise<void> {
  try {
    const { body } = await withRetry(
      "Investigating",
      () =>
        call(ROUTE_INDEX.investigateSession, {
          params: { id: view.id },
          query: { log_lines: LOG_LINES },
        }),
      () => isCurrent(view),
    );
    if (!isCurrent(view)) return;
    byId("investigation").replaceChildren(...reportParts(body));
    byId("investigation").hidden = false;
    scrollToEnd(document.getElementById("log-tail"));
  } catch (failure) {
    // Reported by withRetry; a missing session is said once, for the whole panel.
    if (isNotFound(failure)) sessionNotFound(view);
  }
}
