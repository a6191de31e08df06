import { apiHandler } from "#shared/http/api-handler.ts";
import { tenantStatistics } from "#shared/usecases/statistics.ts";

export const handler = apiHandler({}, async ({ principal }) => ({
  status: 200,
  body: await tenantStatistics(principal),
}));
