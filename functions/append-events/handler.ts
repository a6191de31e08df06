import { appendEventsRoute } from "#shared/contract/routes/events/append.ts";
import { apiHandler } from "#shared/http/api-handler.ts";
import { recordMetric } from "#shared/observability.ts";
import { appendEvents } from "#shared/usecases/events/append.ts";

export const handler = apiHandler(appendEventsRoute, async ({ params, body, principal }) => {
  const result = await appendEvents(principal, params.id, body.events);
  recordMetric("EventsAppended", result.items.length);
  return { status: 201, body: result };
});
