import { updateSessionRoute } from "#shared/contract/routes/sessions.ts";
import { IF_MATCH_PATTERN, MAX_IF_MATCH_LENGTH } from "#shared/contract/schemas/sessions.ts";
import { ValidationError } from "#shared/domain/errors.ts";
import { apiHandler } from "#shared/http/api-handler.ts";
import { recordMetric } from "#shared/observability.ts";

/** The strong tags of a valid If-Match: quoted versions not preceded by `W/`. */
const STRONG_TAG = /(?<!W\/)"([0-9]{1,15})"/g;

import { etagOf, updateSession, type VersionPrecondition } from "#shared/usecases/sessions.ts";

/** `*` or a list of entity tags (`"3", "4"`); weak tags never match an If-Match. */
function parseIfMatch(sent: string | undefined): VersionPrecondition | undefined {
  // HTTP strips the blanks around a field value; an empty one is no condition at all.
  const header = sent?.replace(/^[ \t]+|[ \t]+$/g, "") || undefined;
  if (header === undefined) return undefined;
  if (header.length > MAX_IF_MATCH_LENGTH || !IF_MATCH_PATTERN.test(header)) {
    throw new ValidationError(
      'If-Match must be * or entity tags as the ETag header sends them ("3").',
      { field: "If-Match" },
    );
  }
  if (header.trim() === "*") return "any";
  return [...header.matchAll(STRONG_TAG)].map((match) => Number(match[1]));
}

export const handler = apiHandler(
  updateSessionRoute,
  async ({ params, body, principal, headers }) => {
    const result = await updateSession(
      principal,
      params.id,
      body,
      parseIfMatch(headers["if-match"]),
    );
    if (result.event) recordMetric("SessionsUpdated", 1);
    return { status: 200, body: result, headers: { ETag: etagOf(result.session) } };
  },
);
