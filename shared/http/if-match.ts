/**
 * Reading an If-Match header (RFC 9110 §13.1.1): `*` or a list of entity
 * tags. Several header lines arrive as one comma-separated list (see
 * requestHeaders). Only strong tags are kept: a weak one can never match.
 */
import { IF_MATCH_PATTERN, MAX_IF_MATCH_LENGTH } from "../contract/schemas/headers.ts";
import { ValidationError } from "../domain/errors.ts";
import type { VersionPrecondition } from "../domain/preconditions.ts";

/** Every tag of the list, whole, so a weak tag's closing quote never opens another. */
const TAG = /(W\/)?"([^"]*)"/g;

export function parseIfMatch(sent: string | undefined): VersionPrecondition | undefined {
  // HTTP strips the blanks around a field value; an empty one is no condition at all.
  const header = sent?.replace(/^[ \t]+|[ \t]+$/g, "") || undefined;
  if (header === undefined) return undefined;
  if (header.length > MAX_IF_MATCH_LENGTH || !IF_MATCH_PATTERN.test(header)) {
    throw new ValidationError(
      'If-Match must be * or entity tags as the ETag header sends them ("3").',
      { field: "If-Match" },
    );
  }
  if (header === "*") return "any";
  return [...header.matchAll(TAG)].filter((tag) => !tag[1]).map((tag) => tag[2] ?? "");
}
