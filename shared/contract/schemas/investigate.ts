import * as z from "zod";
import { INVESTIGATION_STATUSES, PROCESSING_STATUSES } from "../../domain/processing-status.ts";
import { SESSION_STATUSES } from "../../domain/session.ts";
import { IsoTimestamp, QueryInteger, SessionId } from "./common.ts";

export const MAX_LOG_LINES = 100;

export const InvestigateQuery = z.strictObject({
  log_lines: QueryInteger("log_lines", 1, MAX_LOG_LINES)
    .default(20)
    .meta({
      description: `Lines from the end of the newest log to return, 1 to ${MAX_LOG_LINES}; 20 when not given.`,
    }),
});
export type InvestigateQuery = z.infer<typeof InvestigateQuery>;

const WorkspaceFile = z.object({
  name: z
    .string()
    .meta({ description: "Relative to its folder (or the workspace, for root files)." }),
  size_bytes: z.number().int().min(0),
  modified_at: IsoTimestamp,
});

const WorkspaceDirectory = z.object({
  exists: z.boolean().nullable().meta({
    description:
      "At least one file is under the folder; null when the folder could not be listed (unknown, see file_errors).",
  }),
  file_count: z
    .number()
    .int()
    .min(0)
    .meta({ description: "Files listed; when truncated, the folder holds more." }),
  total_size_bytes: z.number().int().min(0),
  truncated: z.boolean().meta({ description: "The folder holds more files than the listing cap." }),
  files: z.array(WorkspaceFile),
});

const WorkspaceFiles = z.object({
  directories: z.object({
    input: WorkspaceDirectory,
    output: WorkspaceDirectory,
    logs: WorkspaceDirectory,
  }),
  root_files: z.array(WorkspaceFile),
  truncated: z.boolean().meta({ description: "Some listing was cut at the cap." }),
});

/**
 * A JSON object from the workspace, shown member for member. zod's records
 * strip a `__proto__` member, which a workspace file may hold as data.
 */
export const WorkspaceJsonObject = z
  .custom<Record<string, unknown>>(
    (value) => typeof value === "object" && value !== null && !Array.isArray(value),
    "must be a JSON object",
  )
  .meta({ override: { type: "object", additionalProperties: {} } });
const JsonObject = WorkspaceJsonObject;

export const LogsSummary = z
  .object({
    log_file: z.string().meta({ description: "The newest log, relative to logs/." }),
    file_size_bytes: z.number().int().min(0),
    modified_at: IsoTimestamp,
    total_lines: z.number().int().min(0),
    error_count: z.number().int().min(0).meta({ description: "Lines with ERROR or CRITICAL." }),
    warning_count: z
      .number()
      .int()
      .min(0)
      .meta({ description: "Lines with WARNING (and no ERROR or CRITICAL)." }),
    counts_exact: z.boolean().meta({
      description:
        "True when the counts cover the whole log. False when the log was too large to count within this request's time budget: the counts are then lower bounds covering counted_bytes (the part of the log counted so far plus the tail window), and a later request continues counting where this one stopped.",
    }),
    counted_bytes: z.number().int().min(0),
    first_timestamp: IsoTimestamp.nullable(),
    last_timestamp: IsoTimestamp.nullable(),
    last_lines: z.array(z.string()).meta({
      description:
        "The last log_lines lines, oldest first, read from a bounded window at the end of the log: fewer when they do not fit in it. Non-printable bytes show as U+FFFD; absolute paths, URLs and ARNs are replaced by placeholders.",
    }),
  })
  .meta({ id: "LogsSummary" });

export const ErrorDetails = z
  .object({
    summary: z.string().meta({ description: "One line saying what failed, where and why." }),
    error_message: z.string().nullable(),
    error_code: z.string().nullable(),
    processing_stage: z.string().nullable(),
    failed_at: z.string().nullable(),
    blender_exit_code: z.number().int().nullable(),
    exit_code_meaning: z.string().nullable().meta({
      description: "What the Blender exit code usually means (crash, killed for memory, …).",
    }),
    last_error_logs: z.array(z.string()).meta({
      description: "The last ERROR/CRITICAL lines of the log tail, oldest first (at most 10).",
    }),
  })
  .meta({ id: "ErrorDetails" });

export const FileError = z
  .object({
    file: z.string().meta({ description: "Workspace path, or `workspace` for the listing." }),
    reason: z.string().meta({ example: "file is not valid JSON" }),
  })
  .meta({ id: "FileError" });

export const SessionInvestigationResponse = z
  .object({
    session_id: SessionId,
    session_status: z.enum(INVESTIGATION_STATUSES).meta({
      description:
        "failed / completed when status.json says so; otherwise expired when the session expired; processing when status.json says pending or processing; when no job reported and the session was ended, failed if it was ended with outcome failed and completed otherwise; active while the session is open (active or paused) with no job status.",
    }),
    lifecycle_status: z.enum(SESSION_STATUSES),
    processing_status: z.enum(PROCESSING_STATUSES).nullable(),
    created_at: IsoTimestamp,
    expires_at: IsoTimestamp,
    ended_at: IsoTimestamp.nullable(),
    last_accessed: IsoTimestamp,
    workspace_exists: z.boolean().nullable().meta({
      description:
        "Whether anything was uploaded for the session: true when any listing found a file, false only when the workspace listing answered and found none, null when it could not be listed (unknown, see file_errors and findings).",
    }),
    workspace_path_sanitized: z.string().meta({
      description: "The workspace, named by the session id only.",
    }),
    files: WorkspaceFiles,
    status_data: JsonObject.nullable().meta({ description: "status.json as written, or null." }),
    metadata: JsonObject.nullable().meta({ description: "meta.json, or null." }),
    parameters: JsonObject.nullable().meta({ description: "params.json, or null." }),
    logs_summary: LogsSummary.nullable(),
    error_details: ErrorDetails.nullable().meta({
      description: "Present when status.json says the processing failed.",
    }),
    findings: z.array(z.string()).meta({
      description: "Short observations a support engineer would check first.",
    }),
    file_errors: z.array(FileError).meta({
      description:
        "Files that could not be read or parsed, or were not read in time; the rest of the answer is complete.",
    }),
    investigation_timestamp: IsoTimestamp,
  })
  .meta({
    id: "SessionInvestigationResponse",
    description:
      "Diagnostic summary of a session and its workspace. Reads are bounded; nothing names the storage behind it.",
    example: {
      session_id: "sess_Qm9vdHN0cmFwU2Vzc2lvbg",
      session_status: "failed",
      lifecycle_status: "ended",
      processing_status: "failed",
      created_at: "2026-11-21T12:00:00.000Z",
      expires_at: "2026-11-21T13:00:00.000Z",
      ended_at: "2026-11-21T12:20:00.000Z",
      last_accessed: "2026-11-21T12:20:00.000Z",
      workspace_exists: true,
      workspace_path_sanitized: "sess_Qm9vdHN0cmFwU2Vzc2lvbg",
      files: {
        directories: {
          input: {
            exists: true,
            file_count: 1,
            total_size_bytes: 52_428_800,
            truncated: false,
            files: [
              {
                name: "scan.usdz",
                size_bytes: 52_428_800,
                modified_at: "2026-11-21T12:01:00.000Z",
              },
            ],
          },
          output: {
            exists: false,
            file_count: 0,
            total_size_bytes: 0,
            truncated: false,
            files: [],
          },
          logs: {
            exists: true,
            file_count: 1,
            total_size_bytes: 20_480,
            truncated: false,
            files: [
              { name: "blender.log", size_bytes: 20_480, modified_at: "2026-11-21T12:19:00.000Z" },
            ],
          },
        },
        root_files: [
          { name: "status.json", size_bytes: 310, modified_at: "2026-11-21T12:19:30.000Z" },
        ],
        truncated: false,
      },
      status_data: {
        status: "failed",
        processing_stage: "export",
        error_code: "EXPORT_FAILED",
        error_message: "glTF export failed: mesh has no UVs",
        blender_exit_code: 1,
      },
      metadata: null,
      parameters: null,
      logs_summary: {
        log_file: "blender.log",
        file_size_bytes: 20_480,
        modified_at: "2026-11-21T12:19:00.000Z",
        total_lines: 120,
        error_count: 2,
        warning_count: 5,
        counts_exact: true,
        counted_bytes: 20_480,
        first_timestamp: "2026-11-21T12:02:00.000Z",
        last_timestamp: "2026-11-21T12:19:00.000Z",
        last_lines: [
          '{"timestamp":"2026-11-21T12:19:00.000Z","level":"ERROR","message":"export failed"}',
        ],
      },
      error_details: {
        summary:
          "Processing failed at stage export with EXPORT_FAILED: glTF export failed: mesh has no UVs (Blender exit code 1: Blender reported an error (a script exception or an unreadable file)).",
        error_message: "glTF export failed: mesh has no UVs",
        error_code: "EXPORT_FAILED",
        processing_stage: "export",
        failed_at: "2026-11-21T12:19:30.000Z",
        blender_exit_code: 1,
        exit_code_meaning: "Blender reported an error (a script exception or an unreadable file)",
        last_error_logs: [
          '{"timestamp":"2026-11-21T12:19:00.000Z","level":"ERROR","message":"export failed"}',
        ],
      },
      findings: [
        "Processing failed at stage export with EXPORT_FAILED: glTF export failed: mesh has no UVs (Blender exit code 1: Blender reported an error (a script exception or an unreadable file)).",
        "logs/blender.log has 2 ERROR/CRITICAL lines.",
      ],
      file_errors: [],
      investigation_timestamp: "2026-11-21T12:30:00.000Z",
    },
  });
export type SessionInvestigationResponse = z.infer<typeof SessionInvestigationResponse>;
export type LogsSummary = z.infer<typeof LogsSummary>;
export type ErrorDetails = z.infer<typeof ErrorDetails>;
export type FileError = z.infer<typeof FileError>;
export type WorkspaceDirectory = z.infer<typeof WorkspaceDirectory>;
export type WorkspaceFile = z.infer<typeof WorkspaceFile>;
