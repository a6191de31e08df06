/**
 * Routes of the session lifecycle: start, list, read, update, end, pause,
 * resume, delete, statistics. Each route is one module (sessions/) that
 * imports only the schemas it uses, and its handler imports that module, so
 * a function builds its own route's schemas and no other's. This module
 * lists the area for the route table (../routes.ts) and its other readers.
 */
export { deleteSessionRoute } from "./sessions/delete.ts";
export { getSessionRoute } from "./sessions/get.ts";
export { listSessionsRoute } from "./sessions/list.ts";
export { startSessionRoute } from "./sessions/start.ts";
export { getSessionStatisticsRoute } from "./sessions/statistics.ts";
export { endSessionRoute, pauseSessionRoute, resumeSessionRoute } from "./sessions/transition.ts";
export { updateSessionRoute } from "./sessions/update.ts";
