/**
 * Exact log counts without reading a large log per request: the first
 * request for a log version (name + ETag) streams it once and stores the
 * counts in DynamoDB; a count that does not finish within the budget is
 * stored as a checkpoint at the last whole line, and the next request
 * continues from it. Concurrent requests share one count.
 */
import { type LogCounts, LogScanner } from "../../domain/log-scan.ts";
import { logger } from "../../observability.ts";
import type { LogVersion, StoredLogSummary } from "../../storage/log-summary-store.ts";
import type { WorkspaceObject } from "../../storage/workspace-store.ts";
import { describeError, type Outcome } from "./budget.ts";
import { type RequestContext, summaryTtl } from "./context.ts";
import { joinFlight, memoryOf, versionKey } from "./memory.ts";

/** Bytes handed to the log scanner at a time while counting a whole log. */
const SCAN_BATCH_BYTES = 512 * 1024;
/** Time kept back from the budget for storing a count and building the answer. */
const SCAN_MARGIN_MS = 300;

export interface CountedLog {
  counts: LogCounts;
  exact: boolean;
}

/** The log's counts: remembered, stored, or counted now (possibly only in part). */
export async function logCounts(
  context: RequestContext,
  log: WorkspaceObject,
): Promise<Outcome<CountedLog>> {
  const { scope, budget, ports } = context;
  const version: LogVersion = {
    tenant: scope.tenant,
    sessionId: scope.sessionId,
    logName: log.path,
    etag: log.etag,
  };
  const memory = memoryOf(ports);
  const countsKey = versionKey(context, log.path, log.etag, log.sizeBytes);
  const known = memory.completeCounts.get(countsKey);
  if (known) return { ok: true, value: { counts: known, exact: true } };
  const cached = await budget.run(ports.readLogSummary(version, budget.signal), "log summary");
  const stored = cached.ok ? cached.value : undefined;
  if (stored?.complete && stored.sizeBytes === log.sizeBytes) {
    memory.completeCounts.set(countsKey, stored.counts, 256);
    return { ok: true, value: { counts: stored.counts, exact: true } };
  }
  if (!cached.ok && cached.reason === "timeout") return cached;
  const flight = joinFlight(memory.countFlights, countsKey, async () => {
    const counted = await countLog(context, log, version, stored);
    if (counted.exact) memory.completeCounts.set(countsKey, counted.counts, 256);
    return counted;
  });
  return budget.run(flight, "log count");
}

/**
 * Streams the log from where an earlier count stopped, until its end or the
 * scan deadline, and stores what it counted: complete, or a checkpoint at the
 * last whole line for the next request to continue from.
 */
async function countLog(
  context: RequestContext,
  log: WorkspaceObject,
  version: LogVersion,
  resumeFrom: StoredLogSummary | undefined,
): Promise<CountedLog> {
  const scanner = new LogScanner(resumeFrom?.counts);
  const first = resumeFrom?.counts.bytes ?? 0;
  const fed = await scanFrom(context, log, first, scanner);
  const complete = first + fed >= log.sizeBytes;
  const counts = complete ? scanner.finish() : scanner.checkpoint();
  if (complete || counts.bytes > first) {
    await context.ports
      .writeLogSummary(
        version,
        { complete, sizeBytes: log.sizeBytes, counts },
        summaryTtl(context.session, Date.now()),
      )
      .catch((error: unknown) =>
        logger.warn("log summary not stored", { error: describeError(error) }),
      );
  }
  return { counts, exact: complete };
}

/** Feeds the log from byte `first` to the scanner until its end or the scan deadline; bytes fed. */
async function scanFrom(
  context: RequestContext,
  log: WorkspaceObject,
  first: number,
  scanner: LogScanner,
): Promise<number> {
  const { ports, scope } = context;
  const deadline = context.budget.deadline - SCAN_MARGIN_MS;
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(), Math.max(0, deadline - Date.now()));
  // Network chunks (often 16-64 KiB) are gathered into larger batches: the
  // scanner's cost is mostly per call, and the batch buffer is reused.
  const batch = Buffer.allocUnsafe(Math.min(SCAN_BATCH_BYTES, log.sizeBytes - first));
  let batched = 0;
  let fed = 0;
  try {
    if (first < log.sizeBytes) {
      for await (const chunk of ports.streamRange(
        scope,
        log.path,
        first,
        log.sizeBytes - 1,
        stop.signal,
      )) {
        for (let offset = 0; offset < chunk.length; ) {
          const copied = chunk.copy(batch, batched, offset);
          offset += copied;
          batched += copied;
          if (batched === batch.length) {
            scanner.feed(batch);
            batched = 0;
          }
        }
        fed += chunk.length;
        if (Date.now() >= deadline) break;
      }
    }
  } catch (error) {
    if (!stop.signal.aborted) {
      logger.warn("log count stopped", { error: describeError(error) });
    }
  } finally {
    clearTimeout(timer);
  }
  if (batched > 0) scanner.feed(batch.subarray(0, batched));
  return fed;
}
