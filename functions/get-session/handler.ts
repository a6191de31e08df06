import { apiHandler } from "#shared/http/api-handler.ts";
import { SessionPathParams } from "#shared/schemas/common.ts";
import { getSession } from "#shared/usecases/sessions.ts";

export const handler = apiHandler({ params: SessionPathParams }, async ({ params, principal }) => ({
  status: 200,
  body: await getSession(principal, params.id),
}));
