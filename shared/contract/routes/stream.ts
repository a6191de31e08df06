/**
 * Routes of the push stream: the ticket a client opens the WebSocket with
 * (stream/), imported by its handler; this module lists the area for the
 * route table and its other readers. The WebSocket's own routes are the
 * stream construct's, not the REST API's.
 */
export { createStreamTicketRoute } from "./stream/ticket.ts";
