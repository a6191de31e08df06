import { SessionPathParams } from "#shared/contract/schemas/common.ts";
import {
  InvestigateQuery,
  SessionInvestigationResponse,
} from "#shared/contract/schemas/investigate.ts";
import {
  CreateUploadBody,
  DownloadLink,
  FilePathParams,
  FileQuery,
  UploadTicket,
} from "#shared/contract/schemas/workspaces.ts";
import type { RouteDefinition } from "../route-definition.ts";
import { ANY, WRITERS } from "./roles.ts";

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

export const investigateSessionRoute = {
  method: "GET",
  path: "/sessions/{id}/investigate",
  function: "investigate",
  roles: ANY,
  operationId: "investigateSession",
  summary: "Diagnostic summary of a session and its workspace: files, status, log tail, errors.",
  request: { params: SessionPathParams, query: InvestigateQuery },
  responses: {
    200: { description: "What happened to the session.", schema: SessionInvestigationResponse },
  },
  errors: ["VALIDATION_ERROR", "NOT_FOUND"],
} as const satisfies RouteDefinition;
