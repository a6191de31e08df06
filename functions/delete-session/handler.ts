import { SessionPathParams } from "#shared/contract/schemas/common.ts";
import { apiHandler } from "#shared/http/api-handler.ts";
import { deleteSession } from "#shared/usecases/sessions.ts";

export const handler = apiHandler({ params: SessionPathParams }, async ({ params, principal }) => {
  await deleteSession(principal, params.id);
  return { status: 204 };
});
