import { apiHandler } from "#shared/http/api-handler.ts";
import { MetricUnit, metrics } from "#shared/observability.ts";
import { SessionPathParams } from "#shared/schemas/common.ts";
import { InvestigateQuery } from "#shared/schemas/investigate.ts";
import { investigateSession } from "#shared/usecases/investigate.ts";

export const handler = apiHandler(
  { params: SessionPathParams, query: InvestigateQuery },
  async ({ params, query, principal }) => {
    const started = performance.now();
    const body = await investigateSession(principal, params.id, query);
    metrics.addMetric("InvestigateDuration", MetricUnit.Milliseconds, performance.now() - started);
    return { status: 200, body };
  },
);
