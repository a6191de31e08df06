import { SessionPathParams } from "#shared/contract/schemas/common.ts";
import { EventsQuery } from "#shared/contract/schemas/events.ts";
import { apiHandler } from "#shared/http/api-handler.ts";
import { recordMetric } from "#shared/observability.ts";
import { queryEvents } from "#shared/usecases/events.ts";

export const handler = apiHandler(
  { params: SessionPathParams, query: EventsQuery },
  async ({ params, query, principal }) => {
    const page = await queryEvents(principal, params.id, query);
    recordMetric("EventPolls", 1);
    return { status: 200, body: page };
  },
);
