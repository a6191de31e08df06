import { deleteSessionRoute } from "#shared/contract/routes/sessions/delete.ts";
import { apiHandler } from "#shared/http/api-handler.ts";
import { parseIfMatch } from "#shared/http/if-match.ts";
import { deleteSession } from "#shared/usecases/delete-session.ts";

export const handler = apiHandler(deleteSessionRoute, async ({ params, principal, headers }) => {
  await deleteSession(principal, params.id, parseIfMatch(headers["if-match"]));
  return { status: 204 };
});
