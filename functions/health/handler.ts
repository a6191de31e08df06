import { getHealthRoute } from "#shared/contract/routes/service/health.ts";
import { apiHandler } from "#shared/http/api-handler.ts";
import { checkHealth } from "#shared/usecases/health.ts";

export const handler = apiHandler(getHealthRoute, async () => {
  const report = await checkHealth();
  return { status: report.status === "healthy" ? 200 : 503, body: report };
});
