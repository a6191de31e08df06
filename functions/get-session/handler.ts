import { getSessionRoute } from "#shared/contract/routes/sessions/get.ts";
import { apiHandler } from "#shared/http/api-handler.ts";
import { etagOf, getSession } from "#shared/usecases/sessions/read.ts";

export const handler = apiHandler(getSessionRoute, async ({ params, principal }) => {
  const session = await getSession(principal, params.id);
  return { status: 200, body: session, headers: { ETag: etagOf(session) } };
});
