import { ValidationError } from "#shared/domain/errors.ts";
import { apiHandler } from "#shared/http/api-handler.ts";
import { recordMetric } from "#shared/observability.ts";
import { SessionPathParams } from "#shared/schemas/common.ts";
import { UpdateSessionBody } from "#shared/schemas/sessions.ts";
import { etagOf, updateSession, type VersionPrecondition } from "#shared/usecases/sessions.ts";

/** `*` or a list of strong entity tags (`"3", "4"`); weak tags never match an If-Match. */
function parseIfMatch(header: string | undefined): VersionPrecondition | undefined {
  if (header === undefined) return undefined;
  if (header.trim() === "*") return "any";
  const versions: number[] = [];
  for (const part of header.split(",")) {
    const tag = part.trim();
    if (tag.startsWith("W/")) continue;
    const match = /^"([0-9]{1,15})"$/.exec(tag);
    if (!match?.[1]) {
      throw new ValidationError(
        'If-Match must be * or entity tags as the ETag header sends them ("3").',
        {
          field: "If-Match",
        },
      );
    }
    versions.push(Number(match[1]));
  }
  return versions;
}

export const handler = apiHandler(
  { params: SessionPathParams, body: UpdateSessionBody },
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
