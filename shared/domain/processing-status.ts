/**
 * What the processing worker reports in status.json, and how the investigate
 * endpoint turns it and the session lifecycle into one status.
 */
import type { SessionOutcome, SessionStatus } from "./session.ts";

export const PROCESSING_STATUSES = ["pending", "processing", "completed", "failed"] as const;
export type ProcessingStatus = (typeof PROCESSING_STATUSES)[number];

export const INVESTIGATION_STATUSES = [
  "active",
  "processing",
  "completed",
  "failed",
  "expired",
] as const;
export type InvestigationStatus = (typeof INVESTIGATION_STATUSES)[number];

export function isProcessingStatus(value: unknown): value is ProcessingStatus {
  return typeof value === "string" && (PROCESSING_STATUSES as readonly string[]).includes(value);
}

/**
 * A job's terminal report wins (failed, completed); then an expired session
 * is expired; then a job that reports pending or processing is processing; an
 * ended session with no job report is failed when it was ended with outcome
 * failed, and completed otherwise; an open one is active.
 */
export function deriveInvestigationStatus(
  lifecycle: SessionStatus,
  processing: ProcessingStatus | null,
  outcome: SessionOutcome | null = null,
): InvestigationStatus {
  if (processing === "failed") return "failed";
  if (processing === "completed") return "completed";
  if (lifecycle === "expired") return "expired";
  if (processing === "pending" || processing === "processing") return "processing";
  if (lifecycle === "ended") return outcome === "failed" ? "failed" : "completed";
  return "active";
}

/** What a Blender exit code usually means, for the support view. */
export function blenderExitMeaning(code: number | null): string | null {
  if (code === null) return null;
  if (code === 0) return "Blender exited normally";
  if (code === 1) return "Blender reported an error (a script exception or an unreadable file)";
  if (code === 137 || code === -9) {
    return "Blender was killed (SIGKILL), most often for running out of memory";
  }
  if (code === 139 || code === -11) return "Blender crashed (segmentation fault)";
  if (code === 134 || code === -6)
    return "Blender aborted (SIGABRT), usually an internal assertion";
  if (code === 143 || code === -15) return "Blender was stopped (SIGTERM), e.g. a job timeout";
  return "Blender exited with an unexpected code";
}
