import { investigateSessionRoute } from "#shared/contract/routes/workspaces/investigate.ts";
import { apiHandler } from "#shared/http/api-handler.ts";
import { recordMetric } from "#shared/observability.ts";
import { investigateSession } from "#shared/usecases/investigate/index.ts";

export const handler = apiHandler(investigateSessionRoute, async ({ params, query, principal }) => {
  const started = performance.now();
  const body = await investigateSession(principal, params.id, query);
  recordMetric("InvestigateDuration", performance.now() - started);
  return { status: 200, body };
});
