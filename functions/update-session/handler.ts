import { updateSessionRoute } from "#shared/contract/routes/sessions/update.ts";
import { apiHandler } from "#shared/http/api-handler.ts";
import { parseIfMatch } from "#shared/http/if-match.ts";
import { recordMetric } from "#shared/observability.ts";
import { etagOf } from "#shared/usecases/sessions/read.ts";
import { updateSession } from "#shared/usecases/sessions/update.ts";

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
