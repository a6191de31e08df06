import { getStatisticsRoute } from "#shared/contract/routes/service/statistics.ts";
import { apiHandler } from "#shared/http/api-handler.ts";
import { tenantStatistics } from "#shared/usecases/statistics.ts";

export const handler = apiHandler(getStatisticsRoute, async ({ principal }) => ({
  status: 200,
  body: await tenantStatistics(principal),
}));
