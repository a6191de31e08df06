import * as z from "zod";
import { apiHandler } from "#shared/http/api-handler.ts";
import { MetricUnit, metrics } from "#shared/observability.ts";
import { SessionPathParams } from "#shared/schemas/common.ts";
import { TransitionBody } from "#shared/schemas/sessions.ts";
import { transitionSession } from "#shared/usecases/sessions.ts";

/** One function serves /end, /pause and /resume; the action is the resource's last segment. */
const Action = z.enum(["end", "pause", "resume"]);

const METRIC = {
  end: "SessionsEnded",
  pause: "SessionsPaused",
  resume: "SessionsResumed",
} as const;

export const handler = apiHandler(
  { params: SessionPathParams, body: TransitionBody },
  async ({ params, body, principal, resource }) => {
    const action = Action.parse(resource.split("/").pop());
    const result = await transitionSession(principal, params.id, action, body);
    metrics.addMetric(METRIC[action], MetricUnit.Count, 1);
    return { status: 200, body: result };
  },
);
