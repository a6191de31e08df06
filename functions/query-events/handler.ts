import { listEventsRoute } from "#shared/contract/routes/events/list.ts";
import { apiHandler } from "#shared/http/api-handler.ts";
import { recordMetric } from "#shared/observability.ts";
import { queryEvents } from "#shared/usecases/events/query.ts";

export const handler = apiHandler(listEventsRoute, async ({ params, query, principal }) => {
  const page = await queryEvents(principal, params.id, query);
  recordMetric("EventPolls", 1);
  return { status: 200, body: page };
});
