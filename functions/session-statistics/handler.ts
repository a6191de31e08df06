import { getSessionStatisticsRoute } from "#shared/contract/routes/sessions/statistics.ts";
import { apiHandler } from "#shared/http/api-handler.ts";
import { sessionStatistics } from "#shared/usecases/session-statistics.ts";

export const handler = apiHandler(getSessionStatisticsRoute, async ({ params, principal }) => ({
  status: 200,
  body: await sessionStatistics(principal, params.id),
}));
