import { createStreamTicketRoute } from "#shared/contract/routes/stream/ticket.ts";
import { apiHandler } from "#shared/http/api-handler.ts";
import { createStreamTicket } from "#shared/usecases/stream-tickets.ts";

export const handler = apiHandler(createStreamTicketRoute, async ({ principal }) => ({
  status: 201,
  body: await createStreamTicket(principal),
}));
