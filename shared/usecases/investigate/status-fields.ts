/**
 * A status.json written with other field names (`stage`, `error`,
 * `exit_code`) would otherwise read as a failure without any detail: this
 * names the fields investigate reads that are missing and the ones it found
 * but does not read, so the job's writer knows what to rename.
 */
import type { RequestContext } from "./context.ts";
import { STATUS_FIELDS } from "./status-files.ts";

/** What a failed job is expected to report besides `status`. */
const FAILURE_FIELDS = [
  "processing_stage",
  "error_code",
  "error_message",
  "blender_exit_code",
  "failed_at",
] as const;
const MAX_NAMES_SHOWN = 8;
const MAX_NAME_LENGTH = 64;

function listed(names: readonly string[]): string {
  const shown = names
    .slice(0, MAX_NAMES_SHOWN)
    .map((name) => (name.length > MAX_NAME_LENGTH ? `${name.slice(0, MAX_NAME_LENGTH)}…` : name));
  const more = names.length > MAX_NAMES_SHOWN ? ` and ${names.length - MAX_NAMES_SHOWN} more` : "";
  return `${shown.join(", ")}${more}`;
}

/** The finding, or null when status.json is absent or has every field it needs. */
export function statusFieldsFinding(
  context: RequestContext,
  data: Record<string, unknown> | null,
): string | null {
  if (!data) return null;
  const known: readonly string[] = Object.keys(STATUS_FIELDS);
  const unknown = Object.keys(data).filter((name) => !known.includes(name));
  if (unknown.length === 0) return null;
  const present = (name: string) => data[name] !== undefined && data[name] !== null;
  const expected =
    !present("status") || data.status === "failed" ? ["status", ...FAILURE_FIELDS] : [];
  const missing = expected.filter((name) => !present(name));
  if (missing.length === 0) return null;
  return context.redactor.text(
    `status.json has no ${listed(missing)} (fields investigate reads) but has ${listed(unknown)}, which investigate does not read; docs/investigate.md lists the fields.`,
  );
}
