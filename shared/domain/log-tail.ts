/**
 * The tail window investigate reads by byte range from the end of a log,
 * as printable lines with their severity and timestamp.
 */
import { lineTimestamp, TIMESTAMP_PROBE_BYTES } from "./log-timestamps.ts";
import { NEWLINE, type Severity, severityOf } from "./log-words.ts";

export interface TailLine {
  text: string;
  severity: Severity;
  timestamp: string | null;
}

/** Longest line shown; longer lines are cut and marked. */
export const MAX_LINE_CHARS = 2000;
const TRUNCATION_MARK = " …[truncated]";

// Control characters other than tab (C0, DEL, C1) and bidirectional overrides
// and isolates: shown as U+FFFD so binary noise stays printable and in order.
const UNPRINTABLE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to replace them.
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/**
 * What ends every token the redactor replaces as a whole (paths, URLs, ARNs).
 * A line cut at its start may begin inside one, where the redactor would no
 * longer recognise it, so everything before the first of these goes.
 */
const TOKEN_END = /[\s"'<>]/;

function printable(bytes: Buffer, cutAtStart: boolean): string {
  let text = bytes.toString("utf8").replace(/\r$/, "").replace(UNPRINTABLE, "\uFFFD");
  if (cutAtStart) {
    const tokenEnd = text.search(TOKEN_END);
    text = `…${tokenEnd === -1 ? "" : text.slice(tokenEnd)}`;
  }
  if (text.length > MAX_LINE_CHARS) text = `${text.slice(0, MAX_LINE_CHARS)}${TRUNCATION_MARK}`;
  return text;
}

/**
 * Lines of a tail window read from the end of a log. When the window does
 * not start at the beginning of the log its first line is partial and is
 * dropped, unless it is the only line (a line longer than the window), which
 * is shown cut and marked.
 */
export function parseTail(window: Buffer, startsAtLogStart: boolean): TailLine[] {
  if (window.length === 0) return [];
  const body = window[window.length - 1] === NEWLINE ? window.subarray(0, -1) : window;
  const pieces: Buffer[] = [];
  let from = 0;
  for (let at = body.indexOf(NEWLINE); at !== -1; at = body.indexOf(NEWLINE, from)) {
    pieces.push(body.subarray(from, at));
    from = at + 1;
  }
  pieces.push(body.subarray(from));
  let cutFirst = false;
  if (!startsAtLogStart) {
    if (pieces.length > 1) pieces.shift();
    else cutFirst = true;
  }
  return pieces.map((piece, index) => {
    const text = printable(piece, cutFirst && index === 0);
    return {
      text,
      severity: severityOf(piece),
      timestamp: lineTimestamp(piece.subarray(0, TIMESTAMP_PROBE_BYTES).toString("utf8")),
    };
  });
}
