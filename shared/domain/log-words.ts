/**
 * Which lines of a processing log are error or warning lines. A line is an
 * error line when it contains the word ERROR or CRITICAL (upper case, whole
 * word), otherwise a warning line when it contains WARNING. One classifier
 * serves the streaming counter and the tail, so both always agree.
 *
 * The classifier looks at each byte once, in one loop, and compares a word
 * with the keywords only where the word ends: its work per byte is bounded
 * whatever the log holds (keywords back to back, near-keywords, empty lines),
 * so no log is much slower to count than an ordinary one.
 */

export const NEWLINE = 0x0a;

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
export class WordReader {
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
