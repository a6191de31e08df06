import { listSessionsRoute } from "#shared/contract/routes/sessions/list.ts";
import { apiHandler } from "#shared/http/api-handler.ts";
import { listSessions } from "#shared/usecases/sessions/list.ts";

export const handler = apiHandler(listSessionsRoute, async ({ query, principal }) => ({
  status: 200,
  body: await listSessions(principal, query),
}));
