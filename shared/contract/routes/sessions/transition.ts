/** End, pause and resume: one function serves the three. */
import type * as z from "zod";
import { SessionPathParams } from "#shared/contract/schemas/common.ts";
import { SessionWithEvent } from "#shared/contract/schemas/session-changes.ts";
import { EndSessionBody, TransitionBody } from "#shared/contract/schemas/session-requests.ts";
import type { RouteDefinition } from "../../route-definition.ts";
import { WRITERS } from "../roles.ts";
import { IF_MATCH_HEADER } from "./if-match.ts";

function transitionRoute<const A extends "end" | "pause" | "resume", B extends z.ZodType>(
  action: A,
  body: B,
) {
  return {
    method: "POST",
    path: `/sessions/{id}/${action}`,
    function: "transition-session",
    roles: WRITERS,
    operationId: `${action}Session`,
    summary: `${action[0]?.toUpperCase()}${action.slice(1)} a session; with If-Match, only the session version named (else 412).`,
    request: { params: SessionPathParams, body, headers: IF_MATCH_HEADER },
    responses: {
      200: { description: "Changed.", schema: SessionWithEvent, headers: ["ETag"] },
    },
    errors: [
      "VALIDATION_ERROR",
      "NOT_FOUND",
      "SESSION_USER_MISMATCH",
      "SESSION_ALREADY_ENDED",
      "INVALID_TRANSITION",
      "PRECONDITION_FAILED",
    ],
  } as const satisfies RouteDefinition;
}

export const endSessionRoute = transitionRoute("end", EndSessionBody);
export const pauseSessionRoute = transitionRoute("pause", TransitionBody);
export const resumeSessionRoute = transitionRoute("resume", TransitionBody);
