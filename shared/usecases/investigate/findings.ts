/**
 * The findings: short sentences a support engineer reads first. Nothing is
 * called missing that could not be listed; what storage did not answer is
 * named as unknown.
 */

import type { ErrorDetails, FileError, LogsSummary } from "../../contract/schemas/investigate.ts";
import { WORKSPACE_FOLDERS } from "../../domain/workspace-paths.ts";
import type { WorkspaceObject } from "../../storage/workspace-store.ts";
import { UNREAD_REASONS } from "./context.ts";
import type { Directories } from "./directories.ts";
import type { StatusReport } from "./status-files.ts";

/** A job whose status.json has not changed for this long may have stalled. */
const STALE_STATUS_MS = 30 * 60 * 1000;

export interface FindingsInput {
  workspaceExists: boolean | null;
  rootListed: boolean;
  directories: Directories;
  statusFile: WorkspaceObject | undefined;
  report: StatusReport;
  /** status.json's field names against the ones investigate reads (status-fields.ts). */
  statusFields: string | null;
  errorDetails: ErrorDetails | null;
  logs: LogsSummary | null;
  fileErrors: FileError[];
  now: number;
}

export function findingsOf(input: FindingsInput): string[] {
  const findings: string[] = [];
  if (input.errorDetails) findings.push(input.errorDetails.summary);
  findings.push(...unreadFindings(input.fileErrors));
  if (input.workspaceExists === false) {
    findings.push("The session has no workspace: nothing was uploaded for it.");
    return findings;
  }
  findings.push(...folderFindings(input), ...statusFindings(input));
  if (input.logs && input.logs.error_count > 0) {
    findings.push(
      `logs/${input.logs.log_file} has ${input.logs.counts_exact ? "" : "at least "}${input.logs.error_count} ERROR/CRITICAL ${input.logs.error_count === 1 ? "line" : "lines"}.`,
    );
  }
  for (const folder of WORKSPACE_FOLDERS) {
    if (input.directories[folder].truncated) {
      findings.push(
        `${folder}/ holds more than ${input.directories[folder].file_count} files; the listing is truncated.`,
      );
    }
  }
  if (input.fileErrors.some((error) => !UNREAD_REASONS.has(error.reason))) {
    findings.push("Some files could not be read in full; see file_errors.");
  }
  return findings;
}

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

/** Empty folders that tell something, judged only from listings that answered. */
function folderFindings({ directories, report }: FindingsInput): string[] {
  const findings: string[] = [];
  if (directories.input.exists === false) {
    findings.push("input/ is empty: no input files were uploaded.");
  }
  if (report.status === "completed" && directories.output.exists === false) {
    findings.push("Processing reported completed but output/ is empty.");
  }
  if (report.status === "failed" && directories.output.exists) {
    findings.push(
      `Processing failed after writing ${directories.output.file_count} ${directories.output.file_count === 1 ? "file" : "files"} to output/ (partial output).`,
    );
  }
  return findings;
}

/** A status.json that is absent, or that says the job runs but has not moved for long. */
function statusFindings(input: FindingsInput): string[] {
  const { statusFile, rootListed, report, now } = input;
  if (input.statusFields) return [input.statusFields];
  if (!statusFile) {
    // Unlisted is not absent: the listing's own finding says it is unknown.
    return rootListed
      ? ["There is no status.json: the processing job has not reported a status."]
      : [];
  }
  if (
    (report.status === "processing" || report.status === "pending") &&
    now - Date.parse(statusFile.modifiedAt) > STALE_STATUS_MS
  ) {
    return [
      `status.json says ${report.status} but has not changed since ${statusFile.modifiedAt}; the job may have stalled.`,
    ];
  }
  return [];
}
