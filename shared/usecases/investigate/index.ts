/**
 * The investigate use case: one bounded look at a session and its workspace
 * for an app or a support engineer. Every read has a byte limit, every part a
 * share of one time budget (budget.ts); a part that fails or is late is
 * reported in `file_errors` with a fixed, sanitized reason (context.ts) while
 * the rest is answered. The flow, all parts at once:
 *
 *   session → listings (memory.ts) ┬ root JSON files (status-files.ts)
 *                                  ├ folder views (directories.ts)
 *                                  └ newest log: tail + counts (log-summary.ts, log-count.ts)
 *           → answer + findings (findings.ts) → processing status remembered
 *
 * Unlike the other use cases, which call the storage adapters directly,
 * this one reaches storage through ports: its unit tests substitute slow,
 * failing and racing storage to prove the budget, the single-flight sharing
 * and the resumable log counts, which real storage cannot be made to do on
 * cue.
 */
import { config } from "../../config.ts";
import { SessionInvestigationResponse } from "../../contract/schemas/investigate.ts";
import { isoNow } from "../../domain/clock.ts";
import { sessionNotFound, UnavailableError } from "../../domain/errors.ts";
import { maySee, type Principal } from "../../domain/principal.ts";
import { deriveInvestigationStatus } from "../../domain/processing-status.ts";
import { lifecycleAsOf } from "../../domain/session.ts";
import { WORKSPACE_FOLDERS } from "../../domain/workspace-paths.ts";
import { logger } from "../../observability.ts";
import { Budget } from "./budget.ts";
import {
  type InvestigationPorts,
  type RequestContext,
  requestContext,
  storagePorts,
  summaryTtl,
} from "./context.ts";
import {
  type Directories,
  directoriesOf,
  fileEntry,
  rootObjectsOf,
  workspaceExists,
} from "./directories.ts";
import { findingsOf } from "./findings.ts";
import { type LogResult, summarizeNewestLog } from "./log-summary.ts";
import { listWorkspaceOnce, memoryOf, versionKey } from "./memory.ts";
import { statusFieldsFinding } from "./status-fields.ts";
import {
  errorDetailsOf,
  type RootFiles,
  readRootFiles,
  redactedJson,
  statusReportOf,
} from "./status-files.ts";

export { type InvestigationPorts, storagePorts } from "./context.ts";
export { forgetInvestigationMemory } from "./memory.ts";

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
    const scope = { tenant: principal.tenantId, sessionId };
    const context = requestContext(scope, session, budget, ports);
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

/** Lists the workspace and its folders, and reads the root files and newest log, all at once. */
async function gather(
  context: RequestContext,
  logLines: number,
): Promise<SessionInvestigationResponse> {
  const { budget } = context;
  const rootListing = budget.run(
    listWorkspaceOnce(context, { delimiter: true }),
    "workspace listing",
  );
  const folderListings = WORKSPACE_FOLDERS.map((folder) =>
    budget.run(listWorkspaceOnce(context, { under: `${folder}/` }), `${folder} listing`),
  );
  const rootPart = rootListing.then((listing) => readRootFiles(context, listing));
  const logsListing = folderListings[WORKSPACE_FOLDERS.indexOf("logs")];
  const logPart = (logsListing ?? Promise.resolve(undefined)).then((listing) =>
    summarizeNewestLog(context, listing, logLines),
  );
  const [root, folders, logResult] = await Promise.all([
    rootPart,
    Promise.all(folderListings),
    logPart,
  ]);
  return answerOf(context, root, directoriesOf(context, folders), logResult);
}

/** The answer from what was read; file errors found while judging it are part of it. */
function answerOf(
  context: RequestContext,
  root: RootFiles,
  directories: Directories,
  logResult: LogResult | undefined,
): SessionInvestigationResponse {
  const { session } = context;
  const rootObjects = rootObjectsOf(root.listing);
  const exists = workspaceExists(root.listing, rootObjects, directories);
  const report = statusReportOf(context, root.json.status);
  const logs = logResult?.summary ?? null;
  const errorDetails = errorDetailsOf(report, logResult?.errorLines ?? []);
  const now = Date.now();
  return {
    session_id: session.session_id,
    session_status: deriveInvestigationStatus(session.status, report.status, session.outcome),
    lifecycle_status: session.status,
    processing_status: report.status,
    created_at: session.created_at,
    expires_at: session.expires_at,
    ended_at: session.ended_at,
    last_accessed: session.last_accessed,
    workspace_exists: exists,
    workspace_path_sanitized: session.session_id,
    files: {
      directories,
      root_files: rootObjects.map((object) => fileEntry(context, object.path, object)),
      truncated:
        (root.listing?.truncated ?? false) ||
        WORKSPACE_FOLDERS.some((folder) => directories[folder].truncated),
    },
    status_data: redactedJson(context, root.json.status),
    metadata: redactedJson(context, root.json.meta),
    parameters: redactedJson(context, root.json.params),
    logs_summary: logs,
    error_details: errorDetails,
    findings: findingsOf({
      workspaceExists: exists,
      rootListed: root.listing !== undefined,
      directories,
      statusFile: rootObjects.find((object) => object.path === "status.json"),
      report,
      statusFields: statusFieldsFinding(context, root.json.status),
      errorDetails,
      logs,
      fileErrors: context.fileErrors,
      now,
    }),
    file_errors: context.fileErrors,
    investigation_timestamp: new Date(now).toISOString(),
  };
}

/** How long a processing status this process stored stands before the same one is stored again. */
export const STATUS_RESTORE_MS = 60_000;

/**
 * Keeps the processing status this investigation read for the session's
 * statistics. Best effort: a failed write costs the statistics a stale
 * value, never the investigation its answer. The same status this process
 * stored less than STATUS_RESTORE_MS ago is not written again, so repeated
 * investigations of a session cost no write each.
 */
async function rememberStatus(
  context: RequestContext,
  answer: SessionInvestigationResponse,
): Promise<void> {
  if (answer.processing_status === null) return;
  const stored = memoryOf(context.ports).storedStatuses;
  const key = versionKey(context, "processing-status");
  const last = stored.get(key);
  const now = Date.now();
  if (last?.status === answer.processing_status && now - last.storedAt < STATUS_RESTORE_MS) return;
  const write = context.ports.rememberProcessingStatus(
    context.scope,
    { status: answer.processing_status, observedAt: answer.investigation_timestamp },
    summaryTtl(context.session, Date.now()),
  );
  const written = await context.budget.run(write, "processing status");
  if (!written.ok) {
    logger.warn("processing status not remembered", { reason: written.reason });
    return;
  }
  stored.set(key, { status: answer.processing_status, storedAt: now }, 64);
}
