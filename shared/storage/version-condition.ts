/**
 * The condition that makes a change of a session apply only to the version
 * that was read (what If-Match checked), in the same transaction as the
 * change. Items written before sessions had a version count as version 1.
 */
export const VERSION_AS_READ =
  "(version = :read_version OR (attribute_not_exists(version) AND :read_version = :first_version))";

export function versionAsReadValues(read: { version: number }): Record<string, number> {
  return { ":read_version": read.version, ":first_version": 1 };
}
