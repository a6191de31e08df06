/**
 * The investigate use case: one bounded look at a session and its workspace
 * for an app or a support engineer. Every read has a byte limit, every part a
 * share of one time budget; a part that fails or is late is reported in
 * `file_errors` with a fixed, sanitized reason while the rest is answered.
 *
 * Log counts are exact without reading a large log per request: the first
 * request for a log version (name + ETag) streams it once and stores the
 * counts in DynamoDB; later requests read only a window at the end. A count
 * that does not finish within the budget is stored as a checkpoint and the
 * next request continues from it.
 */
import * as z from "zod";
import { bucketName, config, tableName } from "../config.ts";
import {
  type ErrorDetails,
  type FileError,
  type LogsSummary,
  SessionInvestigationResponse,
  type WorkspaceDirectory,
  type WorkspaceFile,
  WorkspaceJsonObject,
} from "../contract/schemas/investigate.ts";
import { BoundedCache } from "../domain/bounded-cache.ts";
import { isoNow } from "../domain/clock.ts";
import { sessionNotFound, UnavailableError } from "../domain/errors.ts";
import { MAX_EVENT_DATA_DEPTH, nestingDepth } from "../domain/events.ts";
import {
  EMPTY_COUNTS,
  type LogCounts,
  LogScanner,
  parseTail,
  type TailLine,
} from "../domain/log-scan.ts";
import { maySee, type Principal } from "../domain/principal.ts";
import {
  blenderExitMeaning,
  deriveInvestigationStatus,
  PROCESSING_STATUSES,
  type ProcessingStatus,
} from "../domain/processing-status.ts";
import { Redactor } from "../domain/redaction.ts";
import { lifecycleAsOf } from "../domain/session.ts";
import {
  classifyWorkspaceEntry,
  WORKSPACE_FOLDERS,
  type WorkspaceFolder,
  type WorkspaceRootFile,
} from "../domain/workspace-paths.ts";
import { logger } from "../observability.ts";
import type { SessionItem } from "../storage/items.ts";
import {
  type LogVersion,
  readLogSummary,
  type StoredLogSummary,
  writeLogSummary,
} from "../storage/log-summary-store.ts";
import { rememberProcessingStatus } from "../storage/processing-status-store.ts";
import { readSession } from "../storage/session-store.ts";
import {
  isMissingObject,
  listWorkspace,
  MAX_LIST_KEYS,
  readWorkspaceRange,
  streamWorkspaceRange,
  type WorkspaceListing,
  type WorkspaceObject,
  type WorkspaceScope,
} from "../storage/workspace-store.ts";

/** Largest status.json / meta.json / params.json that is read. */
export const MAX_JSON_FILE_BYTES = 1024 * 1024;
/** Objects listed per folder; a folder with more is flagged as truncated. */
export const LISTING_CAP = MAX_LIST_KEYS;
/** Bytes handed to the log scanner at a time while counting a whole log. */
const SCAN_BATCH_BYTES = 512 * 1024;
/** Time kept back from the budget for storing a count and building the answer. */
const SCAN_MARGIN_MS = 300;
const MAX_ERROR_LINES = 10;
/** A job whose status.json has not changed for this long may have stalled. */
const STALE_STATUS_MS = 30 * 60 * 1000;

/** The storage the use case reads; tests substitute slow or failing ones. */
export interface InvestigationPorts {
  readSession: (tenant: string, sessionId: string) => Promise<SessionItem | undefined>;
  listWorkspace: typeof listWorkspace;
  readRange: typeof readWorkspaceRange;
  streamRange: typeof streamWorkspaceRange;
  readLogSummary: typeof readLogSummary;
  writeLogSummary: typeof writeLogSummary;
  rememberProcessingStatus: typeof rememberProcessingStatus;
}

export const storagePorts: InvestigationPorts = {
  readSession,
  listWorkspace,
  readRange: readWorkspaceRange,
  streamRange: streamWorkspaceRange,
  readLogSummary,
  writeLogSummary,
  rememberProcessingStatus,
};

type Outcome<T> = { ok: true; value: T } | { ok: false; reason: "timeout" | "missing" | "failed" };

/** The request's deadline: an abort signal for I/O and a race for every part. */
class Budget {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private readonly expired: Promise<{ ok: false; reason: "timeout" }>;

  constructor(readonly deadline: number) {
    this.expired = new Promise((resolve) => {
      this.controller.signal.addEventListener(
        "abort",
        () => resolve({ ok: false, reason: "timeout" }),
        { once: true },
      );
    });
    this.timer = setTimeout(() => this.controller.abort(), Math.max(0, deadline - Date.now()));
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The work's result, or why there is none; never later than the deadline. */
  run<T>(work: Promise<T>, part: string): Promise<Outcome<T>> {
    const settled = work.then(
      (value): Outcome<T> => ({ ok: true, value }),
      (error: unknown): Outcome<T> => {
        if (isMissingObject(error)) return { ok: false, reason: "missing" };
        if (this.signal.aborted || Date.now() >= this.deadline) {
          return { ok: false, reason: "timeout" };
        }
        logger.warn("investigate part failed", { part, error: describeError(error) });
        return { ok: false, reason: "failed" };
      },
    );
    return Promise.race([settled, this.expired]);
  }

  dispose(): void {
    clearTimeout(this.timer);
  }
}

function describeError(error: unknown): Record<string, unknown> {
  return error instanceof Error
    ? { name: error.name, message: error.message }
    : { value: String(error) };
}

const READ_REASON = {
  timeout: "read timed out",
  missing: "file disappeared while it was being read",
  failed: "file could not be read",
} as const;

const LIST_REASON = {
  timeout: "listing timed out",
  missing: "listing could not be read",
  failed: "listing could not be read",
} as const;

interface RequestContext {
  scope: WorkspaceScope;
  session: SessionItem;
  budget: Budget;
  ports: InvestigationPorts;
  redactor: Redactor;
  fileErrors: FileError[];
}

function addError(context: RequestContext, file: string, reason: string): void {
  context.fileErrors.push({ file, reason });
}

/* ---------------------------------------------------------------- listing */

/** A folder whose listing failed: whether it holds anything is unknown. */
function unknownDirectory(): WorkspaceDirectory {
  return { exists: null, file_count: 0, total_size_bytes: 0, truncated: false, files: [] };
}

function fileEntry(context: RequestContext, name: string, object: WorkspaceObject): WorkspaceFile {
  return {
    name: context.redactor.text(name),
    size_bytes: object.sizeBytes,
    modified_at: object.modifiedAt,
  };
}

/** Folder views already built from a (reused, never modified) listing. */
const directoriesByListing = new WeakMap<WorkspaceListing, WorkspaceDirectory>();

function directoryOf(
  context: RequestContext,
  folder: WorkspaceFolder,
  listing: WorkspaceListing,
): WorkspaceDirectory {
  const built = directoriesByListing.get(listing);
  if (built) return built;
  const directory = buildDirectory(context, folder, listing);
  directoriesByListing.set(listing, directory);
  return directory;
}

function buildDirectory(
  context: RequestContext,
  folder: WorkspaceFolder,
  listing: WorkspaceListing,
): WorkspaceDirectory {
  const files: WorkspaceFile[] = [];
  let total = 0;
  for (const object of listing.objects) {
    const entry = classifyWorkspaceEntry(object.path);
    if (entry.kind !== "folder" || entry.folder !== folder) continue;
    files.push(fileEntry(context, entry.name, object));
    total += object.sizeBytes;
  }
  return {
    exists: files.length > 0,
    file_count: files.length,
    total_size_bytes: total,
    truncated: listing.truncated,
    files,
  };
}

/* -------------------------------------------------------------- root files */

const JsonObject = WorkspaceJsonObject;
/**
 * Deepest nesting shown from a workspace JSON file: as for event data, far
 * more than job files need and far fewer than overflow a serializer's stack.
 */
const MAX_JSON_FILE_DEPTH = MAX_EVENT_DATA_DEPTH;
const utf8 = new TextDecoder("utf-8", { fatal: true });

type JsonFileOutcome = { ok: true; value: Record<string, unknown> } | { ok: false; reason: string };

function parseJsonFile(bytes: Buffer): JsonFileOutcome {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return { ok: false, reason: "file is not valid UTF-8 text" };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: "file is not valid JSON" };
  }
  const object = JsonObject.safeParse(value);
  if (!object.success || Array.isArray(value)) {
    return { ok: false, reason: "file is not a JSON object" };
  }
  if (nestingDepth(value, MAX_JSON_FILE_DEPTH) > MAX_JSON_FILE_DEPTH) {
    return { ok: false, reason: `file nests deeper than ${MAX_JSON_FILE_DEPTH} levels` };
  }
  return { ok: true, value: object.data };
}

async function readJsonFile(
  context: RequestContext,
  name: WorkspaceRootFile,
  listed: WorkspaceObject | undefined,
): Promise<Record<string, unknown> | null> {
  if (!listed) return null;
  if (listed.sizeBytes > MAX_JSON_FILE_BYTES) {
    addError(context, name, "file is larger than 1 MiB");
    return null;
  }
  if (listed.sizeBytes === 0) {
    addError(context, name, "file is empty");
    return null;
  }
  const memory = memoryOf(context.ports);
  const key = versionKey(context, name, listed.etag, listed.sizeBytes);
  let outcome = memory.jsonFiles.get(key);
  if (!outcome) {
    const read = await context.budget.run(
      context.ports.readRange(context.scope, name, 0, listed.sizeBytes - 1, context.budget.signal),
      name,
    );
    if (!read.ok) {
      if (read.reason !== "missing") addError(context, name, READ_REASON[read.reason]);
      return null;
    }
    outcome = parseJsonFile(read.value);
    memory.jsonFiles.set(key, outcome, listed.sizeBytes * 2);
  }
  if (!outcome.ok) {
    addError(context, name, outcome.reason);
    return null;
  }
  return outcome.value;
}

/** The fields of status.json the service understands; others are shown as they are. */
const STATUS_FIELDS = {
  status: z.enum(PROCESSING_STATUSES),
  processing_stage: z.string(),
  progress: z.number().min(0).max(100),
  started_at: z.string(),
  completed_at: z.string(),
  failed_at: z.string(),
  error_message: z.string(),
  error_code: z.string(),
  blender_exit_code: z.number().int(),
} as const;

interface StatusReport {
  status: ProcessingStatus | null;
  processingStage: string | null;
  failedAt: string | null;
  errorMessage: string | null;
  errorCode: string | null;
  blenderExitCode: number | null;
}

function statusReportOf(
  context: RequestContext,
  data: Record<string, unknown> | null,
): StatusReport {
  const valid: Record<string, unknown> = {};
  const invalid: string[] = [];
  if (data) {
    for (const [field, schema] of Object.entries(STATUS_FIELDS)) {
      const value = data[field];
      if (value === undefined || value === null) continue;
      const parsed = schema.safeParse(value);
      if (parsed.success) valid[field] = parsed.data;
      else invalid.push(field);
    }
  }
  if (invalid.length > 0) {
    addError(context, "status.json", `unexpected value for ${invalid.join(", ")}`);
  }
  const text = (field: string): string | null => {
    const value = valid[field];
    return typeof value === "string" ? context.redactor.text(value) : null;
  };
  const status = STATUS_FIELDS.status.safeParse(valid.status);
  const exitCode = valid.blender_exit_code;
  return {
    status: status.success ? status.data : null,
    processingStage: text("processing_stage"),
    failedAt: text("failed_at"),
    errorMessage: text("error_message"),
    errorCode: text("error_code"),
    blenderExitCode: typeof exitCode === "number" ? exitCode : null,
  };
}

/* -------------------------------------------------------------------- logs */

/**
 * What this process keeps between requests, per set of ports (tests use
 * their own). Everything but listings is keyed by an object version (ETag
 * and size), so a hit is never stale; a listing is reused for at most
 * INVESTIGATE_LISTING_REUSE_MS. Work in flight (a listing, a log count) is
 * shared by concurrent requests for the same session instead of repeated.
 */
class ProcessMemory {
  readonly listings = new BoundedCache<{ listing: WorkspaceListing; listedAt: number }>(
    512,
    32 * 1024 * 1024,
  );
  readonly jsonFiles = new BoundedCache<JsonFileOutcome>(1024, 16 * 1024 * 1024);
  readonly tails = new BoundedCache<TailWindow>(256, 16 * 1024 * 1024);
  readonly completeCounts = new BoundedCache<LogCounts>(4096, 4096 * 256);
  readonly listingFlights = new Map<string, Promise<WorkspaceListing>>();
  readonly countFlights = new Map<string, Promise<{ counts: LogCounts; exact: boolean }>>();
}

let memories = new WeakMap<InvestigationPorts, ProcessMemory>();

/** Drops everything this process remembers, as a new Lambda instance starts (benchmarks). */
export function forgetInvestigationMemory(): void {
  memories = new WeakMap();
}

function memoryOf(ports: InvestigationPorts): ProcessMemory {
  let memory = memories.get(ports);
  if (!memory) {
    memory = new ProcessMemory();
    memories.set(ports, memory);
  }
  return memory;
}

function joinFlight<T>(flights: Map<string, Promise<T>>, key: string, start: () => Promise<T>) {
  const running = flights.get(key);
  if (running) return running;
  const started = start().finally(() => flights.delete(key));
  flights.set(key, started);
  return started;
}

function versionKey(context: RequestContext, ...parts: (string | number)[]): string {
  return JSON.stringify([context.scope.tenant, context.scope.sessionId, ...parts]);
}

/**
 * A listing of the workspace or one folder: reused if this process listed
 * the same thing within the reuse window, joined if the same listing is in
 * flight, else made (bounded by the deadline of the request that starts it).
 */
async function listWorkspaceOnce(
  context: RequestContext,
  options: { under?: string; delimiter?: boolean },
): Promise<WorkspaceListing> {
  const { scope, ports, budget } = context;
  const memory = memoryOf(ports);
  const key = versionKey(context, options.under ?? "", options.delimiter === true ? "/" : "");
  const reuseMs = config().INVESTIGATE_LISTING_REUSE_MS;
  const cached = memory.listings.get(key);
  if (cached && Date.now() - cached.listedAt < reuseMs) return cached.listing;
  return joinFlight(memory.listingFlights, key, async () => {
    const listedAt = Date.now();
    const listing = await ports.listWorkspace(scope, {
      ...options,
      maxKeys: LISTING_CAP,
      // Just after the starter's deadline, so its own budget reports the timeout.
      signal: AbortSignal.timeout(Math.max(1, budget.deadline - listedAt + 50)),
    });
    if (reuseMs > 0) {
      memory.listings.set(key, { listing, listedAt }, 200 * (listing.objects.length + 1));
    }
    return listing;
  });
}

function summaryTtl(session: SessionItem, now: number): number {
  const base = Math.max(Date.parse(session.expires_at), now);
  return Math.floor(base / 1000) + config().RETENTION_DAYS * 86_400;
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
): Promise<{ counts: LogCounts; exact: boolean }> {
  const { ports, scope } = context;
  const scanner = new LogScanner(resumeFrom?.counts);
  const first = resumeFrom?.counts.bytes ?? 0;
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
  const complete = first + fed >= log.sizeBytes;
  const counts = complete ? scanner.finish() : scanner.checkpoint();
  if (complete || counts.bytes > first) {
    await ports
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

async function logCounts(
  context: RequestContext,
  log: WorkspaceObject,
): Promise<Outcome<{ counts: LogCounts; exact: boolean }>> {
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

/** The parsed lines of a log's tail window; for a log that fits in it, its counts too. */
interface TailWindow {
  lines: TailLine[];
  bytes: number;
  wholeLog: LogCounts | null;
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

async function summarizeLog(
  context: RequestContext,
  log: WorkspaceObject,
  wantedLines: number,
): Promise<{ summary: LogsSummary; errorLines: string[] } | undefined> {
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
  let counts: LogCounts;
  let exact: boolean;
  if (tail.wholeLog) {
    counts = tail.wholeLog;
    exact = true;
  } else {
    const counted = await countsPromise;
    if (counted?.ok && counted.value.exact) {
      ({ counts, exact } = counted.value);
    } else {
      // Lower bounds: the counted start of the log plus the tail, when they do not overlap.
      const partial = counted?.ok ? counted.value.counts : undefined;
      counts =
        partial && partial.bytes > first
          ? partial
          : addCounts(partial ?? EMPTY_COUNTS, tailCounts(lines, tail.bytes));
      exact = false;
    }
  }
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

/* ---------------------------------------------------------------- answer */

function errorDetailsOf(report: StatusReport, errorLines: string[]): ErrorDetails | null {
  if (report.status !== "failed") return null;
  const meaning = blenderExitMeaning(report.blenderExitCode);
  const where = report.processingStage ? ` at stage ${report.processingStage}` : "";
  const code = report.errorCode ? ` with ${report.errorCode}` : "";
  const message = report.errorMessage ? `: ${report.errorMessage}` : "";
  const exit =
    report.blenderExitCode === null
      ? ""
      : ` (Blender exit code ${report.blenderExitCode}: ${meaning})`;
  return {
    summary: `Processing failed${where}${code}${message}${exit}.`,
    error_message: report.errorMessage,
    error_code: report.errorCode,
    processing_stage: report.processingStage,
    failed_at: report.failedAt,
    blender_exit_code: report.blenderExitCode,
    exit_code_meaning: meaning,
    last_error_logs: errorLines,
  };
}

/** Reasons that mean storage did not answer: what was not read is unknown, not absent. */
const UNREAD_REASONS = new Set<string>([
  READ_REASON.timeout,
  READ_REASON.failed,
  LIST_REASON.timeout,
  LIST_REASON.failed,
]);

/** One finding per listing or read that storage did not answer, naming it. */
function unreadFindings(fileErrors: readonly FileError[]): string[] {
  return fileErrors
    .filter((error) => UNREAD_REASONS.has(error.reason))
    .map((error) => {
      if (error.file === "workspace") {
        return `The workspace could not be listed (${error.reason}): whether it holds files, and status.json, is unknown; session_status comes from the session record alone.`;
      }
      if (error.file.endsWith("/")) {
        return `${error.file} could not be listed (${error.reason}): what it holds is unknown.`;
      }
      return `${error.file} could not be read (${error.reason}): its contents are unknown.`;
    });
}

function findingsOf(input: {
  workspaceExists: boolean | null;
  rootListed: boolean;
  directories: Record<WorkspaceFolder, WorkspaceDirectory>;
  statusFile: WorkspaceObject | undefined;
  report: StatusReport;
  errorDetails: ErrorDetails | null;
  logs: LogsSummary | null;
  fileErrors: FileError[];
  now: number;
}): string[] {
  const findings: string[] = [];
  const { directories, report } = input;
  if (input.errorDetails) findings.push(input.errorDetails.summary);
  findings.push(...unreadFindings(input.fileErrors));
  if (input.workspaceExists === false) {
    findings.push("The session has no workspace: nothing was uploaded for it.");
    return findings;
  }
  // Nothing is called missing that could not be listed.
  if (directories.input.exists === false) {
    findings.push("input/ is empty: no input files were uploaded.");
  }
  if (report.status === "completed" && directories.output.exists === false) {
    findings.push("Processing reported completed but output/ is empty.");
  }
  if (report.status === "failed" && directories.output.exists) {
    findings.push(
      `Processing failed after writing ${directories.output.file_count} file(s) to output/ (partial output).`,
    );
  }
  if (!input.statusFile) {
    // Unlisted is not absent: the listing's own finding says it is unknown.
    if (input.rootListed) {
      findings.push("There is no status.json: the processing job has not reported a status.");
    }
  } else if (
    (report.status === "processing" || report.status === "pending") &&
    input.now - Date.parse(input.statusFile.modifiedAt) > STALE_STATUS_MS
  ) {
    findings.push(
      `status.json says ${report.status} but has not changed since ${input.statusFile.modifiedAt}; the job may have stalled.`,
    );
  }
  if (input.logs && input.logs.error_count > 0) {
    findings.push(
      `logs/${input.logs.log_file} has ${input.logs.counts_exact ? "" : "at least "}${input.logs.error_count} ERROR/CRITICAL line(s).`,
    );
  }
  for (const folder of WORKSPACE_FOLDERS) {
    if (directories[folder].truncated) {
      findings.push(
        `${folder}/ holds more than ${directories[folder].file_count} files; the listing is truncated.`,
      );
    }
  }
  if (input.fileErrors.some((error) => !UNREAD_REASONS.has(error.reason))) {
    findings.push("Some files could not be read in full; see file_errors.");
  }
  return findings;
}

async function gather(
  context: RequestContext,
  logLines: number,
): Promise<SessionInvestigationResponse> {
  const { budget, session, redactor } = context;
  const rootListing = budget.run(
    listWorkspaceOnce(context, { delimiter: true }),
    "workspace listing",
  );
  const folderListings = WORKSPACE_FOLDERS.map((folder) =>
    budget.run(listWorkspaceOnce(context, { under: `${folder}/` }), `${folder} listing`),
  );

  const rootPart = rootListing.then(async (listing) => {
    if (!listing.ok) {
      addError(context, "workspace", LIST_REASON[listing.reason]);
      return { listing: undefined, json: { status: null, meta: null, params: null } };
    }
    const byName = new Map(listing.value.objects.map((object) => [object.path, object]));
    const read = (name: WorkspaceRootFile) => readJsonFile(context, name, byName.get(name));
    const [status, meta, params] = await Promise.all([
      read("status.json"),
      read("meta.json"),
      read("params.json"),
    ]);
    return { listing: listing.value, json: { status, meta, params } };
  });

  const logsListing = folderListings[WORKSPACE_FOLDERS.indexOf("logs")];
  const logPart = (logsListing ?? Promise.resolve(undefined)).then(async (listing) => {
    if (!listing?.ok) return undefined;
    const log = newestLog(listing.value);
    return log ? summarizeLog(context, log, logLines) : undefined;
  });

  const [root, folders, logResult] = await Promise.all([
    rootPart,
    Promise.all(folderListings),
    logPart,
  ]);

  const directoryAt = (folder: WorkspaceFolder): WorkspaceDirectory => {
    const listing = folders[WORKSPACE_FOLDERS.indexOf(folder)];
    if (listing?.ok) return directoryOf(context, folder, listing.value);
    addError(context, `${folder}/`, LIST_REASON[listing?.reason ?? "failed"]);
    return unknownDirectory();
  };
  const directories: Record<WorkspaceFolder, WorkspaceDirectory> = {
    input: directoryAt("input"),
    output: directoryAt("output"),
    logs: directoryAt("logs"),
  };
  const rootObjects = (root.listing?.objects ?? []).filter(
    (object) => classifyWorkspaceEntry(object.path).kind === "root",
  );
  // Files seen anywhere prove the workspace exists; only a root listing that
  // answered can prove it does not; otherwise it is unknown (null).
  const seen =
    rootObjects.length > 0 ||
    (root.listing?.folders.length ?? 0) > 0 ||
    WORKSPACE_FOLDERS.some((folder) => directories[folder].exists === true);
  const workspaceExists: boolean | null = seen ? true : root.listing ? false : null;

  const statusFile = rootObjects.find((object) => object.path === "status.json");
  const report = statusReportOf(context, root.json.status);
  const logs = logResult?.summary ?? null;
  const errorDetails = errorDetailsOf(report, logResult?.errorLines ?? []);
  const now = Date.now();
  const redactJson = (value: Record<string, unknown> | null) =>
    value === null ? null : JsonObject.parse(redactor.json(value));

  return {
    session_id: session.session_id,
    session_status: deriveInvestigationStatus(session.status, report.status),
    lifecycle_status: session.status,
    processing_status: report.status,
    created_at: session.created_at,
    expires_at: session.expires_at,
    ended_at: session.ended_at,
    last_accessed: session.last_accessed,
    workspace_exists: workspaceExists,
    workspace_path_sanitized: session.session_id,
    files: {
      directories,
      root_files: rootObjects.map((object) => fileEntry(context, object.path, object)),
      truncated:
        (root.listing?.truncated ?? false) ||
        WORKSPACE_FOLDERS.some((folder) => directories[folder].truncated),
    },
    status_data: redactJson(root.json.status),
    metadata: redactJson(root.json.meta),
    parameters: redactJson(root.json.params),
    logs_summary: logs,
    error_details: errorDetails,
    findings: findingsOf({
      workspaceExists,
      rootListed: root.listing !== undefined,
      directories,
      statusFile,
      report,
      errorDetails,
      logs,
      fileErrors: context.fileErrors,
      now,
    }),
    file_errors: context.fileErrors,
    investigation_timestamp: new Date(now).toISOString(),
  };
}

/**
 * Investigates one session of the caller's tenant. Writes one audit log line
 * (who looked at which session, how long it took) and no session event.
 */
export async function investigateSession(
  principal: Principal,
  sessionId: string,
  query: { log_lines: number },
  ports: InvestigationPorts = storagePorts,
): Promise<SessionInvestigationResponse> {
  const started = Date.now();
  const audit: Record<string, unknown> = { outcome: "error" };
  const budget = new Budget(started + config().INVESTIGATE_BUDGET_MS);
  try {
    const read = await budget.run(ports.readSession(principal.tenantId, sessionId), "session");
    // Without the session nothing can be shown (not even whose it is): 503, retry.
    if (!read.ok)
      throw new UnavailableError("The session could not be read in time; retry shortly.");
    if (!read.value || !maySee(principal, read.value.started_by_key)) {
      audit.outcome = "not_found";
      throw sessionNotFound();
    }
    // Overdue reads as expired here as everywhere, before the expiry job runs.
    const session = lifecycleAsOf(read.value, isoNow());
    const context: RequestContext = {
      scope: { tenant: principal.tenantId, sessionId },
      session,
      budget,
      ports,
      redactor: new Redactor(storageNames()),
      fileErrors: [],
    };
    const answer = SessionInvestigationResponse.parse(await gather(context, query.log_lines));
    await rememberStatus(context, answer);
    audit.outcome = "ok";
    audit.session_status = answer.session_status;
    audit.file_errors = answer.file_errors.length;
    audit.counts_exact = answer.logs_summary?.counts_exact ?? null;
    return answer;
  } finally {
    budget.dispose();
    logger.info("session investigated", {
      audit: "investigate",
      tenant_id: principal.tenantId,
      key_id: principal.keyId,
      role: principal.role,
      session_id: sessionId,
      duration_ms: Date.now() - started,
      ...audit,
    });
  }
}

/**
 * Keeps the processing status this investigation read for the session's
 * statistics. Best effort: a failed write costs the statistics a stale
 * value, never the investigation its answer.
 */
async function rememberStatus(
  context: RequestContext,
  answer: SessionInvestigationResponse,
): Promise<void> {
  if (answer.processing_status === null) return;
  const write = context.ports.rememberProcessingStatus(
    context.scope,
    { status: answer.processing_status, observedAt: answer.investigation_timestamp },
    summaryTtl(context.session, Date.now()),
  );
  const stored = await context.budget.run(write, "processing status");
  if (!stored.ok) logger.warn("processing status not remembered", { reason: stored.reason });
}

/** Names of the storage behind the service, which workspace text must never reveal. */
function storageNames(): string[] {
  const names: string[] = [];
  for (const read of [bucketName, tableName]) {
    try {
      names.push(read());
    } catch {
      // Not configured (unit tests): nothing to hide.
    }
  }
  return names;
}
