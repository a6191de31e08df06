/**
 * Routes of a session's events: read and append. Each route is one module
 * (events/) with only its own schemas, imported by its handler; this one
 * lists the area for the route table and its other readers.
 */
export { appendEventsRoute } from "./events/append.ts";
export { listEventsRoute } from "./events/list.ts";
