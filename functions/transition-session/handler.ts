import * as z from "zod";
import { SessionPathParams } from "#shared/contract/schemas/common.ts";
import { EndSessionBody } from "#shared/contract/schemas/sessions.ts";
import { ValidationError } from "#shared/domain/errors.ts";
import { apiHandler } from "#shared/http/api-handler.ts";
import { recordMetric } from "#shared/observability.ts";
import { transitionSession } from "#shared/usecases/sessions.ts";

/** One function serves /end, /pause and /resume; the action is the resource's last segment. */
const Action = z.enum(["end", "pause", "resume"]);

const METRIC = {
  end: "SessionsEnded",
  pause: "SessionsPaused",
  resume: "SessionsResumed",
} as const;

export const handler = apiHandler(
  // End's body is the others' plus outcome and reason, which only end takes.
  { params: SessionPathParams, body: EndSessionBody },
  async ({ params, body, principal, resource }) => {
    const action = Action.parse(resource.split("/").pop());
    const endOnly = (["outcome", "reason"] as const).filter((field) => body[field] !== undefined);
    if (action !== "end" && endOnly.length > 0) {
      throw new ValidationError(`Invalid body: ${endOnly.join(", ")}: is not a known field.`, {
        fields: endOnly.map((field) => ({ field, message: "is not a known field" })),
      });
    }
    const result = await transitionSession(principal, params.id, action, body);
    recordMetric(METRIC[action], 1);
    return { status: 200, body: result };
  },
);
