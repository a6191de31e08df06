import { createUploadRoute } from "#shared/contract/routes/workspaces/upload.ts";
import { apiHandler } from "#shared/http/api-handler.ts";
import { createUpload } from "#shared/usecases/workspaces.ts";

export const handler = apiHandler(createUploadRoute, async ({ params, body, principal }) => ({
  status: 201,
  body: await createUpload(principal, params.id, body),
}));
