/**
 * Reading processing logs without holding them: a streaming counter for
 * whole logs (lines, ERROR/CRITICAL lines, WARNING lines, first timestamp)
 * that keeps at most one bounded partial line between chunks, and a parser
 * for the tail window the investigate endpoint reads by byte range.
 *
 * A line is an error line when it contains the word ERROR or CRITICAL (upper
 * case, whole word), otherwise a warning line when it contains WARNING. One
 * classifier serves the counter and the tail, so both always agree.
 *
 * The classifier looks at each byte once, in one loop, and compares a word
 * with the keywords only where the word ends: its work per byte is bounded
 * whatever the log holds (keywords back to back, near-keywords, empty lines),
 * so no log is much slower to count than an ordinary one.
 */

const NEWLINE = 0x0a;
/** Leading bytes of a line looked at for its timestamp. */
const TIMESTAMP_PROBE_BYTES = 4096;
/** Lines looked at for the first timestamp before giving up (logs start with one or never). */
export const FIRST_TIMESTAMP_PROBE_LINES = 1000;

export type Severity = "error" | "warning" | "other";

const OTHER = 0;
const WARNING = 1;
const ERROR = 2;
const SEVERITIES: readonly Severity[] = ["other", "warning", "error"];

const OTHER_BYTE = 0;
/** The bytes a word is made of: ASCII letters, digits and `_`. */
const WORD_BYTE = 1;
const NEWLINE_BYTE = 2;
const BYTE_KINDS = new Uint8Array(256);
for (let byte = 0; byte < 256; byte += 1) {
  const isDigit = byte >= 0x30 && byte <= 0x39;
  const isUpper = byte >= 0x41 && byte <= 0x5a;
  const isLower = byte >= 0x61 && byte <= 0x7a;
  BYTE_KINDS[byte] = isDigit || isUpper || isLower || byte === 0x5f ? WORD_BYTE : OTHER_BYTE;
}
BYTE_KINDS[NEWLINE] = NEWLINE_BYTE;

const KEYWORDS: readonly { bytes: Uint8Array; severity: number }[] = [
  { bytes: new Uint8Array(Buffer.from("ERROR")), severity: ERROR },
  { bytes: new Uint8Array(Buffer.from("CRITICAL")), severity: ERROR },
  { bytes: new Uint8Array(Buffer.from("WARNING")), severity: WARNING },
];
const KEYWORD_FIRST_BYTES = new Uint8Array(256);
for (const keyword of KEYWORDS) KEYWORD_FIRST_BYTES[keyword.bytes[0] ?? 0] = 1;
const LONGEST_KEYWORD = Math.max(...KEYWORDS.map((keyword) => keyword.bytes.length));
const SHORTEST_KEYWORD = Math.min(...KEYWORDS.map((keyword) => keyword.bytes.length));

/**
 * Reads a line's words byte by byte and remembers the worst keyword seen.
 * A word byte costs one table look-up; a word is compared with the keywords
 * only where it ends, and only when its length is a keyword's. A word cut
 * by the end of a chunk carries its first bytes (as many as the longest
 * keyword: a longer word is none) into the next.
 */
class WordReader {
  severity = OTHER;
  /** Byte comparisons made beyond reading each byte once (see LogScanner.work). */
  comparisons = 0;
  /** Lines ended since the counts last took them (with their severities counted below). */
  lines = 0;
  errorLines = 0;
  warningLines = 0;
  /** The first bytes of a word that began in an earlier piece, and its full length so far. */
  private readonly carry = new Uint8Array(LONGEST_KEYWORD);
  private carried = 0;

  /**
   * Reads bytes [from, to), ending a line at each newline, and returns how
   * many bytes it read. With `stopAtNewline` it stops just after the first
   * newline instead (the caller wants that line's start for its timestamp).
   */
  read(bytes: Uint8Array, from: number, to: number, stopAtNewline: boolean): number {
    // The byte before the current word: virtual when the word began earlier.
    let lastBreak = from - 1 - this.carried;
    let lines = 0;
    let errorLines = 0;
    let warningLines = 0;
    let at = from;
    for (; at < to; at += 1) {
      const kind = BYTE_KINDS[bytes[at] as number];
      if (kind === WORD_BYTE) continue;
      const length = at - lastBreak - 1;
      if (length >= SHORTEST_KEYWORD && length <= LONGEST_KEYWORD && this.severity !== ERROR) {
        // Most words of a log start with another letter than any keyword.
        const first = lastBreak + 1 < from ? this.carry[0] : bytes[lastBreak + 1];
        if (KEYWORD_FIRST_BYTES[first ?? 0] === 1) {
          this.matchWord(bytes, lastBreak + 1, length, from);
        }
      }
      lastBreak = at;
      if (kind === NEWLINE_BYTE) {
        lines += 1;
        if (this.severity === ERROR) errorLines += 1;
        else if (this.severity === WARNING) warningLines += 1;
        this.severity = OTHER;
        if (stopAtNewline) break;
      }
    }
    this.lines += lines;
    this.errorLines += errorLines;
    this.warningLines += warningLines;
    if (at < to) {
      this.carried = 0;
      return at + 1 - from;
    }
    this.carryWord(bytes, lastBreak + 1, to - lastBreak - 1, from);
    return to - from;
  }

  /** Ends the current line (its last word too) as if a newline came; returns its severity. */
  endLine(): number {
    const length = this.carried;
    if (length >= SHORTEST_KEYWORD && length <= LONGEST_KEYWORD && this.severity !== ERROR) {
      this.matchWord(this.carry, 0, length, 0);
    }
    this.carried = 0;
    const severity = this.severity;
    this.countLine();
    return severity;
  }

  private countLine(): void {
    this.lines += 1;
    if (this.severity === ERROR) this.errorLines += 1;
    else if (this.severity === WARNING) this.warningLines += 1;
    this.severity = OTHER;
  }

  /** Byte `index` of the word that starts at `start` (negative: in the carry) of this piece. */
  private wordByte(bytes: Uint8Array, start: number, index: number, pieceStart: number): number {
    const at = start + index;
    return at < pieceStart ? (this.carry[at - (pieceStart - this.carried)] ?? 0) : (bytes[at] ?? 0);
  }

  private matchWord(bytes: Uint8Array, start: number, length: number, pieceStart: number): void {
    for (const keyword of KEYWORDS) {
      const expected = keyword.bytes;
      if (expected.length !== length || keyword.severity <= this.severity) continue;
      let same = 0;
      while (same < length && this.wordByte(bytes, start, same, pieceStart) === expected[same]) {
        same += 1;
      }
      this.comparisons += same + 1;
      if (same === length) this.severity = keyword.severity;
    }
  }

  /** Keeps the unfinished word at the end of a piece for the next one. */
  private carryWord(bytes: Uint8Array, start: number, length: number, pieceStart: number): void {
    const kept = Math.min(length, LONGEST_KEYWORD);
    const next = new Uint8Array(LONGEST_KEYWORD);
    for (let index = 0; index < kept; index += 1) {
      next[index] = this.wordByte(bytes, start, index, pieceStart);
    }
    this.carry.set(next);
    this.carried = length;
  }
}

/** Severity of one line (its bytes, without the newline). */
export function severityOf(line: Buffer): Severity {
  const reader = new WordReader();
  reader.read(line, 0, line.length, false);
  return SEVERITIES[reader.endLine()] ?? "other";
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
 * chunks it keeps only the line's severity so far, the first bytes of the
 * word being read and the first 4 KiB of an unterminated line (for its
 * timestamp), so memory is bounded whatever the log or line length.
 * `checkpoint()` gives the counts up to the last complete line, from which a
 * later scan can resume.
 */
export class LogScanner {
  private counts: LogCounts;
  /** Bytes fed after the last newline (the unterminated line so far). */
  private pendingBytes = 0;
  /** The start of the unterminated line, while a first timestamp is still wanted. */
  private pendingHead: Buffer | undefined;
  private readonly reader = new WordReader();
  private bytesRead = 0;
  private probedBytes = 0;

  constructor(resumeFrom: LogCounts = EMPTY_COUNTS) {
    this.counts = { ...resumeFrom };
  }

  /**
   * Work done so far, in byte steps: every byte fed once, plus the bytes
   * compared with keywords and the bytes handed to the timestamp parser.
   * Bounded by a small multiple of the bytes fed, whatever they are.
   */
  get work(): number {
    return this.bytesRead + this.reader.comparisons + this.probedBytes;
  }

  feed(chunk: Buffer): void {
    this.bytesRead += chunk.length;
    let at = 0;
    // Line by line only while the first timestamp is looked for (at most 1,000 lines).
    while (at < chunk.length && this.wantsTimestamp()) {
      const read = this.reader.read(chunk, at, chunk.length, true);
      const endsLine = chunk[at + read - 1] === NEWLINE;
      const lineBytes = endsLine ? read - 1 : read;
      this.keepHead(chunk.subarray(at, at + lineBytes));
      at += read;
      if (!endsLine) {
        this.pendingBytes += lineBytes;
        this.settleLines(false);
        return;
      }
      this.pendingBytes += lineBytes;
      this.probeTimestamp(this.counts);
      this.settleLines(true);
    }
    if (at >= chunk.length) return;
    const lastNewline = chunk.lastIndexOf(NEWLINE);
    this.reader.read(chunk, at, chunk.length, false);
    if (lastNewline < at) {
      this.pendingBytes += chunk.length - at;
      this.settleLines(false);
      return;
    }
    this.counts.bytes += this.pendingBytes + (lastNewline + 1 - at);
    this.pendingBytes = chunk.length - (lastNewline + 1);
    this.settleLines(false);
  }

  /** Counts up to the last complete line: safe to resume from. */
  checkpoint(): LogCounts {
    return { ...this.counts };
  }

  /** Counts of everything fed, the final unterminated line included; the last call. */
  finish(): LogCounts {
    if (this.pendingBytes === 0) return this.checkpoint();
    const counts = { ...this.counts };
    this.reader.endLine();
    counts.bytes += this.pendingBytes;
    this.addReaderLines(counts);
    if (this.wantsTimestamp()) this.probeTimestamp(counts);
    return counts;
  }

  private wantsTimestamp(): boolean {
    const { counts } = this;
    return counts.firstTimestamp === null && counts.timestampProbes < FIRST_TIMESTAMP_PROBE_LINES;
  }

  private keepHead(part: Buffer): void {
    const head = this.pendingHead ?? Buffer.alloc(0);
    const room = TIMESTAMP_PROBE_BYTES - head.length;
    this.pendingHead = room > 0 ? Buffer.concat([head, part.subarray(0, room)]) : head;
  }

  private probeTimestamp(counts: LogCounts): void {
    const head = this.pendingHead ?? Buffer.alloc(0);
    this.probedBytes += head.length;
    counts.firstTimestamp = lineTimestamp(head.toString("utf8"));
    counts.timestampProbes += 1;
  }

  /** Moves the lines the reader ended into the counts; `closedOne`: one just ended here. */
  private settleLines(closedOne: boolean): void {
    if (closedOne) {
      this.counts.bytes += this.pendingBytes + 1;
      this.pendingBytes = 0;
      this.pendingHead = undefined;
    }
    this.addReaderLines(this.counts);
  }

  private addReaderLines(counts: LogCounts): void {
    const reader = this.reader;
    counts.lines += reader.lines;
    counts.errors += reader.errorLines;
    counts.warnings += reader.warningLines;
    reader.lines = 0;
    reader.errorLines = 0;
    reader.warningLines = 0;
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
