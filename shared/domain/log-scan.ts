/**
 * Counting whole processing logs without holding them: a streaming counter
 * (lines, ERROR/CRITICAL lines, WARNING lines, first timestamp) that keeps at
 * most one bounded partial line between chunks. Lines are classified by
 * log-words.ts, timestamps read by log-timestamps.ts.
 */
import { lineTimestamp, TIMESTAMP_PROBE_BYTES } from "./log-timestamps.ts";
import { NEWLINE, WordReader } from "./log-words.ts";

/** Lines looked at for the first timestamp before giving up (logs start with one or never). */
export const FIRST_TIMESTAMP_PROBE_LINES = 1000;

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
