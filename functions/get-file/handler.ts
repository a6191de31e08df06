import { apiHandler } from "#shared/http/api-handler.ts";
import { FilePathParams } from "#shared/schemas/workspaces.ts";
import { fileDownloadUrl } from "#shared/usecases/workspaces.ts";

export const handler = apiHandler({ params: FilePathParams }, async ({ params, principal }) => ({
  status: 307,
  headers: { Location: await fileDownloadUrl(principal, params.id, params.path) },
}));
