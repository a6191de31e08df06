/**
 * The service's own routes: statistics, health, the viewer, the document.
 * Each is one module (service/) with only its own schemas, imported by its
 * handler; this one lists the area for the route table and its other readers.
 */
export { getHealthRoute } from "./service/health.ts";
export { getOpenApiDocumentRoute } from "./service/openapi.ts";
export { getStatisticsRoute } from "./service/statistics.ts";
export { getViewerRoute } from "./service/viewer.ts";
