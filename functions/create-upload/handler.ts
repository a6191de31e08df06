import { SessionPathParams } from "#shared/contract/schemas/common.ts";
import { CreateUploadBody } from "#shared/contract/schemas/workspaces.ts";
import { apiHandler } from "#shared/http/api-handler.ts";
import { createUpload } from "#shared/usecases/workspaces.ts";

export const handler = apiHandler(
  { params: SessionPathParams, body: CreateUploadBody },
  async ({ params, body, principal }) => ({
    status: 201,
    body: await createUpload(principal, params.id, body),
  }),
);
