/**
 * What investigate's readers hand to the process memory to keep between
 * requests. It sits below both: memory.ts stores these, and the readers
 * (log-summary.ts, status-files.ts) produce them through memory.ts.
 */
import type { LogCounts } from "../../domain/log-scan.ts";
import type { TailLine } from "../../domain/log-tail.ts";

/** The parsed lines of a log's tail window; for a log that fits in it, its counts too. */
export interface TailWindow {
  lines: TailLine[];
  bytes: number;
  wholeLog: LogCounts | null;
}

/** A root JSON file as read: its object, or why it could not be shown. */
export type JsonFileOutcome =
  | { ok: true; value: Record<string, unknown> }
  | { ok: false; reason: string };
