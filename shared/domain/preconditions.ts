/**
 * Conditional changes of a session (RFC 9110 §13.1.1 If-Match). The ETag of
 * a session is its version as a strong entity tag (`"3"`). If-Match uses the
 * strong comparison (§8.8.3.2): a tag matches only when both are strong and
 * their opaque strings are the same characters, so `"03"` is not `"3"` and a
 * weak tag never matches. The check runs on the session as read, and the
 * write that follows is conditional on that same version, so a change in
 * between makes the write stale and the check runs again on what is there.
 */
import { AppError } from "./errors.ts";

/** What If-Match asked for: any current version (`*`), or the opaque strings of its strong tags. */
export type VersionPrecondition = "any" | readonly string[];

/** The ETag of a session version. */
export function etagOfVersion(version: number): string {
  return `"${version}"`;
}

/** Throws 412 PRECONDITION_FAILED unless the session's current version satisfies the condition. */
export function requireVersion(
  precondition: VersionPrecondition | undefined,
  version: number,
): void {
  if (precondition === undefined || precondition === "any") return;
  if (precondition.includes(String(version))) return;
  throw new AppError(
    "PRECONDITION_FAILED",
    "The session changed since the version in If-Match; read it again and retry.",
    { current_version: version },
  );
}
