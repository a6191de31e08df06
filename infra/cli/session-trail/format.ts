/**
 * Turning the API's answers into lines for a terminal. Everything that came
 * from the API is passed through `printable` first: a message or a log line
 * may hold escape sequences, and a terminal must not run them.
 */
import { styleText } from "node:util";
import type { SessionEvent } from "#shared/contract/schemas/event.ts";
import type {
  SessionInvestigationResponse,
  WorkspaceDirectory,
  WorkspaceFile,
} from "#shared/contract/schemas/investigate.ts";
import type { Session } from "#shared/contract/schemas/session.ts";

type Style = Parameters<typeof styleText>[0];

/** Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org). */
export function colourWanted(stream: NodeJS.WriteStream): boolean {
  const noColor = process.env.NO_COLOR;
  return stream.isTTY === true && (noColor === undefined || noColor === "");
}

export class Painter {
  constructor(private readonly enabled: boolean) {}

  paint(style: Style, text: string): string {
    return this.enabled ? styleText(style, text) : text;
  }
}

const ESCAPES: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/**
 * Bidirectional controls (U+061C, U+200E/200F, U+202A–202E, U+2066–2069)
 * reorder what a terminal shows after them, so text can look like what it is
 * not; C1 controls (U+0080–009F) are read by some terminals as escape
 * sequences (U+009B as CSI).
 */
const BIDI_AND_C1 = /[\u0080-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const UNSAFE_FOR_TERMINAL =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it replaces.
  /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

function unicodeEscape(char: string): string {
  return `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`;
}

/** One line of text with control characters (C0, DEL, C1) and bidi controls shown as escapes. */
export function printable(value: string): string {
  return value.replace(UNSAFE_FOR_TERMINAL, (char) => ESCAPES[char] ?? unicodeEscape(char));
}

/**
 * JSON text for a terminal: the same value, with C1 and bidi controls
 * written as `\u` escapes (JSON.stringify escapes only C0 and quotes).
 * They can occur only inside strings, where an escape means the same.
 */
export function terminalJson(value: unknown): string {
  return JSON.stringify(value).replace(BIDI_AND_C1, unicodeEscape);
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = "B";
  for (const next of units) {
    if (value < 1024) break;
    value /= 1024;
    unit = next;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${unit}`;
}

const EVENT_COLOURS: Record<string, Style> = {
  error: "red",
  warning: "yellow",
  step_completed: "green",
};

/** Fixed widths, so a followed stream lines up without knowing the rows to come. */
const TYPE_WIDTH = 16;
const STEP_WIDTH = 12;

/** "1 warning", "2 warnings". */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

export function eventLine(event: SessionEvent, painter: Painter): string {
  const style: Style = event.event_type.startsWith("session_")
    ? "cyan"
    : (EVENT_COLOURS[event.event_type] ?? "reset");
  return [
    String(event.seq).padStart(5),
    painter.paint("dim", event.timestamp),
    painter.paint(style, printable(event.event_type).padEnd(TYPE_WIDTH)),
    painter.paint("dim", printable(event.step_id ?? "-").padEnd(STEP_WIDTH)),
    printable(event.message ?? ""),
  ]
    .join("  ")
    .trimEnd();
}

const STATUS_COLOURS: Record<string, Style> = {
  active: "green",
  paused: "yellow",
  ended: "dim",
  expired: "dim",
  failed: "red",
  completed: "green",
  processing: "cyan",
};

function pad(values: string[][]): string[] {
  const widths: number[] = [];
  for (const row of values) {
    row.forEach((cell, index) => {
      widths[index] = Math.max(widths[index] ?? 0, cell.length);
    });
  }
  return values.map((row) =>
    row
      .map((cell, index) => (index === row.length - 1 ? cell : cell.padEnd(widths[index] ?? 0)))
      .join("  ")
      .trimEnd(),
  );
}

export function sessionTable(sessions: readonly Session[], painter: Painter): string[] {
  const header = ["SESSION", "STATUS", "OUTCOME", "USER", "PERFORMER", "CREATED", "EVENTS"];
  const rows = sessions.map((session) => [
    session.session_id,
    session.status,
    session.outcome ?? "-",
    printable(session.user_id),
    printable(session.performer_id),
    session.created_at,
    String(session.event_count),
  ]);
  return pad([header, ...rows]).map((line, index) => {
    if (index === 0) return painter.paint("bold", line);
    const status = sessions[index - 1]?.status ?? "";
    return line.replace(
      ` ${status} `,
      ` ${painter.paint(STATUS_COLOURS[status] ?? "reset", status)} `,
    );
  });
}

export function sessionSummary(session: Session, painter: Painter): string[] {
  return [
    `${painter.paint("bold", session.session_id)}  ${painter.paint(STATUS_COLOURS[session.status] ?? "reset", session.status)}`,
    `  user       ${printable(session.user_id)}`,
    `  performer  ${printable(session.performer_id)}`,
    `  created    ${session.created_at}`,
    `  expires    ${session.expires_at}`,
    ...(session.ended_at
      ? [`  ended      ${session.ended_at} by ${printable(session.ended_by ?? "")}`]
      : []),
    `  events     ${session.event_count} (last seq ${session.last_seq})`,
  ];
}

const LOG_ERROR = /\b(ERROR|CRITICAL)\b/;
const LOG_WARNING = /\bWARNING\b/;

function logLine(line: string, painter: Painter): string {
  if (LOG_ERROR.test(line)) return painter.paint("red", `! ${printable(line)}`);
  if (LOG_WARNING.test(line)) return painter.paint("yellow", `~ ${printable(line)}`);
  return `  ${printable(line)}`;
}

function fileRows(files: readonly WorkspaceFile[], indent: string): string[][] {
  return files.map((file) => [
    `${indent}${printable(file.name)}`,
    formatBytes(file.size_bytes),
    file.modified_at,
  ]);
}

function directoryRows(name: string, directory: WorkspaceDirectory): string[][] {
  const summary = directory.exists
    ? `${plural(directory.file_count, "file")}, ${formatBytes(directory.total_size_bytes)}${directory.truncated ? ", listing truncated" : ""}`
    : "empty";
  return [[`  ${name}/`, summary, ""], ...fileRows(directory.files, "    ")];
}

/** The investigate answer as a support engineer reads it, most telling parts first. */
export function investigationReport(
  report: SessionInvestigationResponse,
  painter: Painter,
): string[] {
  const heading = (text: string) => painter.paint("bold", text);
  const status = report.session_status;
  const lines: string[] = [
    `${heading(report.session_id)}  ${painter.paint(STATUS_COLOURS[status] ?? "reset", status.toUpperCase())}  (lifecycle ${report.lifecycle_status}, processing ${report.processing_status ?? "not reported"})`,
    `  created        ${report.created_at}`,
    `  expires        ${report.expires_at}`,
    `  ended          ${report.ended_at ?? "-"}`,
    `  last accessed  ${report.last_accessed}`,
  ];
  const failure = report.error_details;
  if (failure) {
    const exit =
      failure.blender_exit_code === null
        ? "-"
        : `${failure.blender_exit_code}${failure.exit_code_meaning ? ` (${printable(failure.exit_code_meaning)})` : ""}`;
    lines.push(
      "",
      heading(painter.paint("red", "Failure")),
      `  ${printable(failure.summary)}`,
      `  stage      ${printable(failure.processing_stage ?? "-")}`,
      `  code       ${printable(failure.error_code ?? "-")}`,
      `  message    ${printable(failure.error_message ?? "-")}`,
      `  exit code  ${exit}`,
      `  failed at  ${printable(failure.failed_at ?? "-")}`,
    );
  }
  // The failure's summary is printed above; Findings holds the rest.
  const findings = report.findings.filter((text) => text !== failure?.summary);
  if (findings.length) {
    lines.push("", heading("Findings"), ...findings.map((text) => `  - ${printable(text)}`));
  }
  lines.push("", heading(`Workspace${report.workspace_exists ? "" : " (nothing uploaded)"}`));
  if (report.workspace_exists) {
    const { directories, root_files: rootFiles } = report.files;
    lines.push(
      ...pad([
        ...directoryRows("input", directories.input),
        ...directoryRows("output", directories.output),
        ...directoryRows("logs", directories.logs),
        ...fileRows(rootFiles, "  "),
      ]),
    );
  }
  const logs = report.logs_summary;
  if (logs) {
    const counts = `${plural(logs.total_lines, "line")}, ${plural(logs.error_count, "error")}, ${plural(logs.warning_count, "warning")}${logs.counts_exact ? "" : ", counts are lower bounds"}`;
    lines.push(
      "",
      heading(`Log tail: logs/${printable(logs.log_file)}`) + painter.paint("dim", `  (${counts})`),
      ...logs.last_lines.map((line) => logLine(line, painter)),
    );
  }
  if (report.file_errors.length) {
    lines.push(
      "",
      heading(painter.paint("yellow", "Unreadable files")),
      ...report.file_errors.map(
        (entry) => `  ${printable(entry.file)}: ${printable(entry.reason)}`,
      ),
    );
  }
  return lines;
}
