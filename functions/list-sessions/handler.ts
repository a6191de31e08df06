import { ListSessionsQuery } from "#shared/contract/schemas/sessions.ts";
import { apiHandler } from "#shared/http/api-handler.ts";
import { listSessions } from "#shared/usecases/sessions.ts";

export const handler = apiHandler({ query: ListSessionsQuery }, async ({ query, principal }) => ({
  status: 200,
  body: await listSessions(principal, query),
}));
