import { apiHandler } from "#shared/http/api-handler.ts";
import { recordMetric } from "#shared/observability.ts";
import { SessionPathParams } from "#shared/schemas/common.ts";
import { AppendEventsBody } from "#shared/schemas/events.ts";
import { appendEvents } from "#shared/usecases/events.ts";

export const handler = apiHandler(
  { params: SessionPathParams, body: AppendEventsBody },
  async ({ params, body, principal }) => {
    const result = await appendEvents(principal, params.id, body.events);
    recordMetric("EventsAppended", result.items.length);
    return { status: 201, body: result };
  },
);
