import { getWorkspaceFileRoute } from "#shared/contract/routes/workspaces/file.ts";
import { apiHandler } from "#shared/http/api-handler.ts";
import { fileDownloadLink } from "#shared/usecases/workspaces.ts";

export const handler = apiHandler(getWorkspaceFileRoute, async ({ params, query, principal }) => {
  const link = await fileDownloadLink(principal, params.id, params.path);
  if (query.redirect === "false") return { status: 200, body: link };
  return { status: 307, headers: { Location: link.url } };
});
