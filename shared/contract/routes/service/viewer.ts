/** The viewer page. */
import type { RouteDefinition } from "../../route-definition.ts";

export const getViewerRoute = {
  method: "GET",
  path: "/viewer",
  function: "viewer",
  roles: "public",
  operationId: "getViewer",
  summary:
    "The session viewer: an HTML page, same origin as the API, that asks for an API key and keeps it in sessionStorage.",
  responses: {
    200: {
      description: "The page, with a strict Content-Security-Policy.",
      contentType: "text/html",
      headers: ["Content-Security-Policy"],
    },
  },
  errors: [],
} as const satisfies RouteDefinition;
