import { apiHandler } from "#shared/http/api-handler.ts";
import { SessionPathParams } from "#shared/schemas/common.ts";
import { CreateUploadBody } from "#shared/schemas/workspaces.ts";
import { createUpload } from "#shared/usecases/workspaces.ts";

export const handler = apiHandler(
  { params: SessionPathParams, body: CreateUploadBody },
  async ({ params, body, principal }) => ({
    status: 201,
    body: await createUpload(principal, params.id, body),
  }),
);
