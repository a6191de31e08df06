/**
 * What one investigation carries from part to part: the session, its
 * workspace, the budget, the storage ports and the file errors found so
 * far, with the fixed, sanitized reasons those errors may give.
 */
import { bucketName, config, tableName } from "../../config.ts";
import type { FileError } from "../../contract/schemas/investigate.ts";
import { Redactor } from "../../domain/redaction.ts";
import type { SessionItem } from "../../storage/items.ts";
import { readLogSummary, writeLogSummary } from "../../storage/log-summary-store.ts";
import { rememberProcessingStatus } from "../../storage/processing-status-store.ts";
import { readSession } from "../../storage/sessions/read.ts";
import {
  listWorkspace,
  readWorkspaceRange,
  streamWorkspaceRange,
  type WorkspaceScope,
} from "../../storage/workspace-store.ts";
import type { Budget } from "./budget.ts";

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

export interface RequestContext {
  scope: WorkspaceScope;
  session: SessionItem;
  budget: Budget;
  ports: InvestigationPorts;
  redactor: Redactor;
  fileErrors: FileError[];
}

export function requestContext(
  scope: WorkspaceScope,
  session: SessionItem,
  budget: Budget,
  ports: InvestigationPorts,
): RequestContext {
  return { scope, session, budget, ports, redactor: new Redactor(storageNames()), fileErrors: [] };
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

export function addError(context: RequestContext, file: string, reason: string): void {
  context.fileErrors.push({ file, reason });
}

export const READ_REASON = {
  timeout: "read timed out",
  missing: "file disappeared while it was being read",
  failed: "file could not be read",
} as const;

export const LIST_REASON = {
  timeout: "listing timed out",
  missing: "listing could not be read",
  failed: "listing could not be read",
} as const;

/** Reasons that mean storage did not answer: what was not read is unknown, not absent. */
export const UNREAD_REASONS = new Set<string>([
  READ_REASON.timeout,
  READ_REASON.failed,
  LIST_REASON.timeout,
  LIST_REASON.failed,
]);

/** Expiry (epoch seconds) of what an investigation stores: the session's retention. */
export function summaryTtl(session: SessionItem, now: number): number {
  const base = Math.max(Date.parse(session.expires_at), now);
  return Math.floor(base / 1000) + config().RETENTION_DAYS * 86_400;
}
