import { apiHandler } from "#shared/http/api-handler.ts";
import { SessionPathParams } from "#shared/schemas/common.ts";
import { deleteSession } from "#shared/usecases/sessions.ts";

export const handler = apiHandler({ params: SessionPathParams }, async ({ params, principal }) => {
  await deleteSession(principal, params.id);
  return { status: 204 };
});
