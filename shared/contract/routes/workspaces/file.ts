/** A presigned download of one workspace file. */
import { DownloadLink, FilePathParams, FileQuery } from "#shared/contract/schemas/workspaces.ts";
import type { RouteDefinition } from "../../route-definition.ts";
import { ANY } from "../roles.ts";

export const getWorkspaceFileRoute = {
  method: "GET",
  path: "/sessions/{id}/files/{path+}",
  function: "get-file",
  roles: ANY,
  operationId: "getWorkspaceFile",
  summary:
    "Redirect (307) to a presigned GET of one workspace file; with ?redirect=false, the presigned URL as JSON.",
  request: { params: FilePathParams, query: FileQuery },
  responses: {
    307: { description: "Download from the Location header.", headers: ["Location"] },
    200: { description: "The presigned URL (redirect=false).", schema: DownloadLink },
  },
  errors: ["VALIDATION_ERROR", "NOT_FOUND"],
} as const satisfies RouteDefinition;
