import { FilePathParams, FileQuery } from "#shared/contract/schemas/workspaces.ts";
import { apiHandler } from "#shared/http/api-handler.ts";
import { fileDownloadLink } from "#shared/usecases/workspaces.ts";

export const handler = apiHandler(
  { params: FilePathParams, query: FileQuery },
  async ({ params, query, principal }) => {
    const link = await fileDownloadLink(principal, params.id, params.path);
    if (query.redirect === "false") return { status: 200, body: link };
    return { status: 307, headers: { Location: link.url } };
  },
);
