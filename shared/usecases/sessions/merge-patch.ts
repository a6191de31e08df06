/** A JSON merge patch (RFC 7396) applied to the session's writable fields, notes and labels. */
import { MAX_LABELS } from "../../contract/schemas/labels.ts";
import type { UpdateSessionBody } from "../../contract/schemas/session-requests.ts";
import { ValidationError } from "../../domain/errors.ts";
import type { SessionItem } from "../../storage/items.ts";

/** RFC 7396 on the session's writable fields; `changed` names those that differ after it. */
export function mergeSessionPatch(
  read: SessionItem,
  patch: UpdateSessionBody,
): { sessionNotes: string | null; labels: Record<string, string>; changed: string[] } {
  const sessionNotes = patch.session_notes === undefined ? read.session_notes : patch.session_notes;
  let labels: Record<string, string> = { ...read.labels };
  if (patch.labels === null) labels = {};
  for (const [key, value] of Object.entries(patch.labels ?? {})) {
    if (value === null) delete labels[key];
    else labels[key] = value;
  }
  if (Object.keys(labels).length > MAX_LABELS) {
    throw new ValidationError(
      `A session has at most ${MAX_LABELS} labels; this patch leaves ${Object.keys(labels).length}.`,
      {
        field: "labels",
        max_labels: MAX_LABELS,
      },
    );
  }
  const changed: string[] = [];
  if (sessionNotes !== read.session_notes) changed.push("session_notes");
  if (!sameLabels(labels, read.labels)) changed.push("labels");
  return { sessionNotes, labels, changed };
}

function sameLabels(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return (
    keys.length === Object.keys(b).length &&
    keys.every((key) => Object.hasOwn(b, key) && b[key] === a[key])
  );
}
