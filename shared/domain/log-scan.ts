/**
 * Reading processing logs without holding them: a streaming counter for
 * whole logs (lines, ERROR/CRITICAL lines, WARNING lines, first timestamp)
 * that keeps at most one bounded partial line between chunks, and a parser
 * for the tail window the investigate endpoint reads by byte range.
 *
 * A line is an error line when it contains the word ERROR or CRITICAL (upper
 * case, whole word), otherwise a warning line when it contains WARNING. One
 * classifier serves the counter and the tail, so both always agree.
 */

const NEWLINE = 0x0a;
const ERROR_WORDS = [Buffer.from("ERROR"), Buffer.from("CRITICAL")];
const WARNING_WORDS = [Buffer.from("WARNING")];
/** Enough bytes to see a keyword that straddles a chunk boundary, plus the byte before it. */
const OVERLAP_BYTES = 16;
/** Leading bytes of a line looked at for its timestamp. */
const TIMESTAMP_PROBE_BYTES = 4096;
/** Lines looked at for the first timestamp before giving up (logs start with one or never). */
export const FIRST_TIMESTAMP_PROBE_LINES = 1000;

export type Severity = "error" | "warning" | "other";

function isWordByte(byte: number | undefined): boolean {
  if (byte === undefined) return false;
  return (
    (byte >= 0x30 && byte <= 0x39) ||
    (byte >= 0x41 && byte <= 0x5a) ||
    (byte >= 0x61 && byte <= 0x7a) ||
    byte === 0x5f
  );
}

/** Start offsets of the lines in [start, end) holding one of the words as a whole word. */
function lineStartsWithWord(
  buffer: Buffer,
  start: number,
  end: number,
  words: readonly Buffer[],
  into: Set<number>,
  skip?: ReadonlySet<number>,
): void {
  for (const word of words) {
    let position = buffer.indexOf(word, start);
    while (position !== -1 && position + word.length <= end) {
      const before = position > start ? buffer[position - 1] : undefined;
      const after = position + word.length < end ? buffer[position + word.length] : undefined;
      if (!isWordByte(before) && !isWordByte(after)) {
        const lineStart = position > start ? buffer.lastIndexOf(NEWLINE, position - 1) + 1 : start;
        const from = Math.max(lineStart, start);
        if (!skip?.has(from)) into.add(from);
      }
      position = buffer.indexOf(word, position + 1);
    }
  }
}

/**
 * Severity of a piece of one line. `startsLine` / `endsLine`: whether the
 * piece begins / ends where the line does; a word touching an edge that is
 * not the line's edge is left for a later look with more context.
 */
function pieceSeverity(piece: Buffer, startsLine: boolean, endsLine: boolean): Severity {
  const hasWord = (words: readonly Buffer[]) =>
    words.some((word) => {
      for (let at = piece.indexOf(word); at !== -1; at = piece.indexOf(word, at + 1)) {
        const end = at + word.length;
        if (at === 0 ? !startsLine : isWordByte(piece[at - 1])) continue;
        if (end === piece.length ? !endsLine : isWordByte(piece[end])) continue;
        return true;
      }
      return false;
    });
  if (hasWord(ERROR_WORDS)) return "error";
  return hasWord(WARNING_WORDS) ? "warning" : "other";
}

/** Severity of one line (its bytes, without the newline). */
export function severityOf(line: Buffer): Severity {
  return pieceSeverity(line, true, true);
}

function worse(a: Severity, b: Severity): Severity {
  if (a === "error" || b === "error") return "error";
  return a === "warning" || b === "warning" ? "warning" : "other";
}

const LEADING_TIMESTAMP =
  /^\[?(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:[.,](\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?(?![\d:])/;
const JSON_TIMESTAMP_FIELD = /"timestamp"\s*:\s*"([^"]{10,40})"/;

/** An ISO-like timestamp as ISO 8601 UTC with milliseconds, or null when it is not one. */
export function normalizeTimestamp(text: string): string | null {
  const match = LEADING_TIMESTAMP.exec(text.trim());
  if (!match) return null;
  const [, date, time, fraction = "", zone] = match;
  const millis = `${fraction}000`.slice(0, 3);
  const offset =
    zone === undefined || zone === "Z" ? "Z" : zone.replace(/^([+-]\d{2})(\d{2})$/, "$1:$2");
  const parsed = Date.parse(`${date}T${time}.${millis}${offset}`);
  return Number.isNaN(parsed) ? null : new Date(parsed).toISOString();
}

/** The timestamp of a log line: a JSON-lines `timestamp` field or a leading ISO timestamp. */
export function lineTimestamp(line: string): string | null {
  const trimmed = line.trimStart();
  if (trimmed.startsWith("{")) {
    try {
      const value: unknown = JSON.parse(trimmed);
      if (typeof value === "object" && value !== null && "timestamp" in value) {
        const field = value.timestamp;
        return typeof field === "string" ? normalizeTimestamp(field) : null;
      }
      return null;
    } catch {
      const field = JSON_TIMESTAMP_FIELD.exec(trimmed)?.[1];
      return field === undefined ? null : normalizeTimestamp(field);
    }
  }
  return normalizeTimestamp(trimmed);
}

export interface LogCounts {
  /** Bytes of the log these counts cover, from its start. */
  bytes: number;
  lines: number;
  errors: number;
  warnings: number;
  firstTimestamp: string | null;
  /** Lines already looked at for the first timestamp. */
  timestampProbes: number;
}

export const EMPTY_COUNTS: LogCounts = {
  bytes: 0,
  lines: 0,
  errors: 0,
  warnings: 0,
  firstTimestamp: null,
  timestampProbes: 0,
};

/**
 * Counts a log fed in chunks, in order, from `resumeFrom.bytes`. Between
 * chunks it keeps only the first 4 KiB and last 16 bytes of an unterminated
 * line, so memory is bounded whatever the log or line length.
 * `checkpoint()` gives the counts up to the last complete line, from which a
 * later scan can resume.
 */
export class LogScanner {
  private counts: LogCounts;
  /** Bytes fed after the last newline (the unterminated line so far). */
  private pendingBytes = 0;
  /** The start of the unterminated line (for its timestamp) and its last bytes (for keywords). */
  private pendingHead: Buffer = Buffer.alloc(0);
  private pendingTail: Buffer = Buffer.alloc(0);
  private pendingSeverity: Severity = "other";

  constructor(resumeFrom: LogCounts = EMPTY_COUNTS) {
    this.counts = { ...resumeFrom };
  }

  feed(chunk: Buffer): void {
    if (chunk.length === 0) return;
    const firstNewline = chunk.indexOf(NEWLINE);
    if (firstNewline === -1) {
      this.extendPending(chunk);
      return;
    }
    this.extendPending(chunk.subarray(0, firstNewline));
    this.closePendingLine();
    const lastNewline = chunk.lastIndexOf(NEWLINE);
    if (lastNewline > firstNewline)
      this.countCompleteLines(chunk, firstNewline + 1, lastNewline + 1);
    this.counts.bytes += lastNewline + 1 - (firstNewline + 1);
    this.extendPending(chunk.subarray(lastNewline + 1));
  }

  /** Counts up to the last complete line: safe to resume from. */
  checkpoint(): LogCounts {
    return { ...this.counts };
  }

  /** Counts of everything fed, the final unterminated line included. */
  finish(): LogCounts {
    if (this.pendingBytes === 0) return this.checkpoint();
    const counts = { ...this.counts };
    this.countPendingLine(counts);
    return counts;
  }

  private extendPending(part: Buffer): void {
    if (part.length === 0) return;
    if (this.pendingHead.length < TIMESTAMP_PROBE_BYTES) {
      const room = TIMESTAMP_PROBE_BYTES - this.pendingHead.length;
      this.pendingHead = Buffer.concat([this.pendingHead, part.subarray(0, room)]);
    }
    // The kept tail gives a word split across chunks its context on both sides.
    const window = Buffer.concat([this.pendingTail, part]);
    const startsLine = this.pendingBytes === this.pendingTail.length;
    this.pendingSeverity = worse(this.pendingSeverity, pieceSeverity(window, startsLine, false));
    this.pendingTail = Buffer.from(window.subarray(Math.max(0, window.length - OVERLAP_BYTES)));
    this.pendingBytes += part.length;
  }

  /** Adds the unterminated line to `counts`, as if it ended here. */
  private countPendingLine(counts: LogCounts): void {
    const startsLine = this.pendingBytes === this.pendingTail.length;
    const severity = worse(this.pendingSeverity, pieceSeverity(this.pendingTail, startsLine, true));
    counts.lines += 1;
    counts.bytes += this.pendingBytes;
    if (severity === "error") counts.errors += 1;
    if (severity === "warning") counts.warnings += 1;
    if (counts.firstTimestamp === null && counts.timestampProbes < FIRST_TIMESTAMP_PROBE_LINES) {
      counts.firstTimestamp = lineTimestamp(this.pendingHead.toString("utf8"));
      counts.timestampProbes += 1;
    }
  }

  private closePendingLine(): void {
    this.countPendingLine(this.counts);
    this.counts.bytes += 1;
    this.pendingBytes = 0;
    this.pendingHead = Buffer.alloc(0);
    this.pendingTail = Buffer.alloc(0);
    this.pendingSeverity = "other";
  }

  /** Lines in [start, end) of the chunk, where end is just after a newline. */
  private countCompleteLines(chunk: Buffer, start: number, end: number): void {
    const counts = this.counts;
    let lines = 0;
    for (let at = chunk.indexOf(NEWLINE, start); at !== -1 && at < end; ) {
      lines += 1;
      if (counts.firstTimestamp === null && counts.timestampProbes < FIRST_TIMESTAMP_PROBE_LINES) {
        const lineStart = at === start ? start : chunk.lastIndexOf(NEWLINE, at - 1) + 1;
        const from = Math.max(lineStart, start);
        const probe = chunk.subarray(from, Math.min(at, from + TIMESTAMP_PROBE_BYTES));
        counts.firstTimestamp = lineTimestamp(probe.toString("utf8"));
        counts.timestampProbes += 1;
      }
      at = chunk.indexOf(NEWLINE, at + 1);
    }
    const errorLines = new Set<number>();
    lineStartsWithWord(chunk, start, end, ERROR_WORDS, errorLines);
    const warningLines = new Set<number>();
    lineStartsWithWord(chunk, start, end, WARNING_WORDS, warningLines, errorLines);
    counts.lines += lines;
    counts.errors += errorLines.size;
    counts.warnings += warningLines.size;
  }
}

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
