import { apiHandler } from "#shared/http/api-handler.ts";
import { checkHealth } from "#shared/usecases/health.ts";

export const handler = apiHandler({ public: true }, async () => {
  const report = await checkHealth();
  return { status: report.status === "healthy" ? 200 : 503, body: report };
});
