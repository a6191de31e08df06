import { deleteSessionRoute } from "#shared/contract/routes/sessions.ts";
import { apiHandler } from "#shared/http/api-handler.ts";
import { deleteSession } from "#shared/usecases/delete-session.ts";

export const handler = apiHandler(deleteSessionRoute, async ({ params, principal }) => {
  await deleteSession(principal, params.id);
  return { status: 204 };
});
