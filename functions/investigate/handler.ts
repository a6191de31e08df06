import { apiHandler } from "#shared/http/api-handler.ts";
import { SessionPathParams } from "#shared/schemas/common.ts";
import { InvestigateQuery } from "#shared/schemas/investigate.ts";
import { investigateSession } from "#shared/usecases/investigate.ts";

export const handler = apiHandler(
  { params: SessionPathParams, query: InvestigateQuery },
  async ({ params, query, principal }) => ({
    status: 200,
    body: await investigateSession(principal, params.id, query),
  }),
);
