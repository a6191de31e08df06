/**
 * The newest log's summary: its last lines and error lines from one tail
 * window read by explicit byte range, and its counts (exact when the count
 * is known or the log fits in the window, else lower bounds).
 */
import { config } from "../../config.ts";
import type { LogsSummary } from "../../contract/schemas/investigate.ts";
import { EMPTY_COUNTS, type LogCounts, LogScanner } from "../../domain/log-scan.ts";
import { parseTail, type TailLine } from "../../domain/log-tail.ts";
import type { WorkspaceListing, WorkspaceObject } from "../../storage/workspace-store.ts";
import type { Outcome } from "./budget.ts";
import { addError, READ_REASON, type RequestContext } from "./context.ts";
import { type CountedLog, logCounts } from "./log-count.ts";
import { memoryOf, versionKey } from "./memory.ts";
import type { TailWindow } from "./remembered-reads.ts";

const MAX_ERROR_LINES = 10;

export interface LogResult {
  summary: LogsSummary;
  errorLines: string[];
}

/** The summary of the newest log in the logs/ listing, if it answered and holds one. */
export async function summarizeNewestLog(
  context: RequestContext,
  listing: Outcome<WorkspaceListing> | undefined,
  wantedLines: number,
): Promise<LogResult | undefined> {
  if (!listing?.ok) return undefined;
  const log = newestLog(listing.value);
  return log ? summarizeLog(context, log, wantedLines) : undefined;
}

function newestLog(listing: WorkspaceListing): WorkspaceObject | undefined {
  let newest: WorkspaceObject | undefined;
  for (const object of listing.objects) {
    if (!object.path.startsWith("logs/")) continue;
    if (
      !newest ||
      object.modifiedAt > newest.modifiedAt ||
      (object.modifiedAt === newest.modifiedAt && object.path > newest.path)
    ) {
      newest = object;
    }
  }
  return newest;
}

async function summarizeLog(
  context: RequestContext,
  log: WorkspaceObject,
  wantedLines: number,
): Promise<LogResult | undefined> {
  const { redactor } = context;
  const size = log.sizeBytes;
  const first = Math.max(0, size - config().LOG_TAIL_WINDOW_BYTES);
  const countsPromise = first > 0 ? logCounts(context, log) : undefined;
  const tail = await readTail(context, log, first);
  if (!tail) {
    await countsPromise;
    return undefined;
  }
  const { lines } = tail;
  const { counts, exact } = await countsWith(tail, first, countsPromise);
  const lastTimestamp = [...lines].reverse().find((line) => line.timestamp !== null)?.timestamp;
  const summary: LogsSummary = {
    log_file: redactor.text(log.path.slice("logs/".length)),
    file_size_bytes: size,
    modified_at: log.modifiedAt,
    total_lines: counts.lines,
    error_count: counts.errors,
    warning_count: counts.warnings,
    counts_exact: exact,
    counted_bytes: counts.bytes,
    first_timestamp: counts.firstTimestamp,
    last_timestamp: lastTimestamp ?? null,
    last_lines: lines.slice(-wantedLines).map((line) => redactor.text(line.text)),
  };
  const errorLines = lines
    .filter((line) => line.severity === "error")
    .slice(-MAX_ERROR_LINES)
    .map((line) => redactor.text(line.text));
  return { summary, errorLines };
}

/** The whole log's counts: from the tail if it holds the log, else the count (or lower bounds). */
async function countsWith(
  tail: TailWindow,
  first: number,
  countsPromise: Promise<Outcome<CountedLog>> | undefined,
): Promise<CountedLog> {
  if (tail.wholeLog) return { counts: tail.wholeLog, exact: true };
  const counted = await countsPromise;
  if (counted?.ok && counted.value.exact) return counted.value;
  // Lower bounds: the counted start of the log plus the tail, when they do not overlap.
  const partial = counted?.ok ? counted.value.counts : undefined;
  const counts =
    partial && partial.bytes > first
      ? partial
      : addCounts(partial ?? EMPTY_COUNTS, tailCounts(tail.lines, tail.bytes));
  return { counts, exact: false };
}

/** The tail window from `first` to the end, by one explicit byte range. */
async function readTail(
  context: RequestContext,
  log: WorkspaceObject,
  first: number,
): Promise<TailWindow | undefined> {
  const { budget, ports, scope } = context;
  const memory = memoryOf(ports);
  const key = versionKey(context, log.path, log.etag, log.sizeBytes, first);
  const cached = memory.tails.get(key);
  if (cached) return cached;
  let window: Buffer = Buffer.alloc(0);
  if (log.sizeBytes > 0) {
    const read = await budget.run(
      ports.readRange(scope, log.path, first, log.sizeBytes - 1, budget.signal),
      "log tail",
    );
    if (!read.ok) {
      addError(context, log.path, READ_REASON[read.reason]);
      return undefined;
    }
    window = read.value;
  }
  let wholeLog: LogCounts | null = null;
  if (first === 0) {
    const scanner = new LogScanner();
    scanner.feed(window);
    wholeLog = scanner.finish();
  }
  const tail = { lines: parseTail(window, first === 0), bytes: window.length, wholeLog };
  memory.tails.set(key, tail, window.length * 3 + 1024);
  return tail;
}

function addCounts(head: LogCounts, tail: LogCounts): LogCounts {
  return {
    bytes: head.bytes + tail.bytes,
    lines: head.lines + tail.lines,
    errors: head.errors + tail.errors,
    warnings: head.warnings + tail.warnings,
    firstTimestamp: head.firstTimestamp,
    timestampProbes: head.timestampProbes,
  };
}

function tailCounts(lines: readonly TailLine[], bytes: number): LogCounts {
  return {
    bytes,
    lines: lines.length,
    errors: lines.filter((line) => line.severity === "error").length,
    warnings: lines.filter((line) => line.severity === "warning").length,
    firstTimestamp: null,
    timestampProbes: 0,
  };
}
