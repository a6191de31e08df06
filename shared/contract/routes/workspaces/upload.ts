/** A presigned upload of one workspace file. */
import { SessionPathParams } from "#shared/contract/schemas/common.ts";
import { CreateUploadBody, UploadTicket } from "#shared/contract/schemas/workspaces.ts";
import type { RouteDefinition } from "../../route-definition.ts";
import { WRITERS } from "../roles.ts";

export const createUploadRoute = {
  method: "POST",
  path: "/sessions/{id}/uploads",
  function: "create-upload",
  roles: WRITERS,
  operationId: "createUpload",
  summary: "Presigned PUT for one workspace file (input/, output/, logs/ or a status file).",
  request: { params: SessionPathParams, body: CreateUploadBody },
  responses: { 201: { description: "Upload to the returned URL.", schema: UploadTicket } },
  errors: ["VALIDATION_ERROR", "NOT_FOUND", "PAYLOAD_TOO_LARGE"],
} as const satisfies RouteDefinition;
