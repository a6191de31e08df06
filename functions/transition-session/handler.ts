import {
  endSessionRoute,
  pauseSessionRoute,
  resumeSessionRoute,
} from "#shared/contract/routes/sessions/transition.ts";
import { apiHandler } from "#shared/http/api-handler.ts";
import { parseIfMatch } from "#shared/http/if-match.ts";
import { recordMetric } from "#shared/observability.ts";
import { etagOf } from "#shared/usecases/sessions/read.ts";
import { transitionSession } from "#shared/usecases/sessions/transition.ts";

/** One function serves /end, /pause and /resume; the route called names the step. */
const STEP = {
  endSession: { action: "end", metric: "SessionsEnded" },
  pauseSession: { action: "pause", metric: "SessionsPaused" },
  resumeSession: { action: "resume", metric: "SessionsResumed" },
} as const;

export const handler = apiHandler(
  [endSessionRoute, pauseSessionRoute, resumeSessionRoute],
  async ({ route, params, body, principal, headers }) => {
    const step = STEP[route.operationId];
    const precondition = parseIfMatch(headers["if-match"]);
    const result = await transitionSession(principal, params.id, step.action, body, precondition);
    recordMetric(step.metric, 1);
    return { status: 200, body: result, headers: { ETag: etagOf(result.session) } };
  },
);
