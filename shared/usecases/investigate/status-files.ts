/**
 * The workspace's root JSON files (status.json, meta.json, params.json):
 * bounded reads, strict parsing, and what status.json says about the job,
 * including the failure it reports.
 */
import * as z from "zod";
import { type ErrorDetails, WorkspaceJsonObject } from "../../contract/schemas/investigate.ts";
import { MAX_EVENT_DATA_DEPTH, nestingDepth } from "../../domain/events.ts";
import {
  blenderExitMeaning,
  PROCESSING_STATUSES,
  type ProcessingStatus,
} from "../../domain/processing-status.ts";
import type { WorkspaceRootFile } from "../../domain/workspace-paths.ts";
import type { WorkspaceListing, WorkspaceObject } from "../../storage/workspace-store.ts";
import type { Outcome } from "./budget.ts";
import { addError, LIST_REASON, READ_REASON, type RequestContext } from "./context.ts";
import { memoryOf, versionKey } from "./memory.ts";
import type { JsonFileOutcome } from "./remembered-reads.ts";

/** Largest status.json / meta.json / params.json that is read. */
export const MAX_JSON_FILE_BYTES = 1024 * 1024;
/**
 * Deepest nesting shown from a workspace JSON file: as for event data, far
 * more than job files need and far fewer than overflow a serializer's stack.
 */
const MAX_JSON_FILE_DEPTH = MAX_EVENT_DATA_DEPTH;
const utf8 = new TextDecoder("utf-8", { fatal: true });

type JsonFile = Record<string, unknown> | null;

/** The root listing (undefined if it failed) and the JSON files read through it. */
export interface RootFiles {
  listing: WorkspaceListing | undefined;
  json: { status: JsonFile; meta: JsonFile; params: JsonFile };
}

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
  const object = WorkspaceJsonObject.safeParse(value);
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
): Promise<JsonFile> {
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

/** The root JSON files the root listing shows, read at once; a failed listing is reported. */
export async function readRootFiles(
  context: RequestContext,
  listing: Outcome<WorkspaceListing>,
): Promise<RootFiles> {
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
}

/** A root JSON file as shown: redacted, and exactly the shape of the answer's schema. */
export function redactedJson(context: RequestContext, value: JsonFile): JsonFile {
  return value === null ? null : WorkspaceJsonObject.parse(context.redactor.json(value));
}

/** The fields of status.json the service understands; others are shown as they are. */
export const STATUS_FIELDS = {
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

export interface StatusReport {
  status: ProcessingStatus | null;
  processingStage: string | null;
  failedAt: string | null;
  errorMessage: string | null;
  errorCode: string | null;
  blenderExitCode: number | null;
}

export function statusReportOf(context: RequestContext, data: JsonFile): StatusReport {
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

export function errorDetailsOf(report: StatusReport, errorLines: string[]): ErrorDetails | null {
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
