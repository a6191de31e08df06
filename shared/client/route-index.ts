/**
 * Every route by operationId, as the client needs it at run time (method,
 * path template, documented statuses) and nothing more. In Node it is read
 * off the route table; the browser build puts the same data in its place
 * (infra/browser-script.ts), so a page names routes without loading zod.
 */
import { ROUTES, type Route } from "#shared/contract/routes.ts";

export type RouteName<R extends Route> = {
  method: R["method"];
  path: R["path"];
  operationId: R["operationId"];
  statuses: readonly (keyof R["responses"] & number)[];
};

export type RouteIndex = { readonly [R in Route as R["operationId"]]: RouteName<R> };

function indexOf(routes: readonly Route[]): RouteIndex {
  const entries = routes.map(({ method, path, operationId, responses }) => [
    operationId,
    { method, path, operationId, statuses: Object.keys(responses).map(Number) },
  ]);
  // Object.fromEntries loses the key-to-entry pairing the mapped type states.
  return Object.fromEntries(entries) as RouteIndex;
}

export const ROUTE_INDEX: RouteIndex = indexOf(ROUTES);
