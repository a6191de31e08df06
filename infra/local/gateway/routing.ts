/**
 * Matching a request to its route: the route table's paths compiled once,
 * looked up under the stage prefix as API Gateway resolves resources.
 */
import { ROUTES, type RouteDefinition, STAGE } from "#shared/contract/routes.ts";
import { decodePathParameter, type RequestTarget } from "../request-target.ts";
import { Refusal } from "./refusal.ts";

/** A request matched to its route, with the path below the stage. */
export interface Target {
  method: string;
  rawPath: string;
  route: RouteDefinition;
  pathParameters: Record<string, string>;
}

interface CompiledRoute {
  route: RouteDefinition;
  pattern: RegExp;
  paramNames: string[];
}

function compile(route: RouteDefinition): CompiledRoute {
  const paramNames: string[] = [];
  const source = route.path
    .split("/")
    .map((segment) => {
      const greedy = /^\{(\w+)\+\}$/.exec(segment);
      if (greedy?.[1]) {
        paramNames.push(greedy[1]);
        return "(.+)";
      }
      const param = /^\{(\w+)\}$/.exec(segment);
      if (param?.[1]) {
        paramNames.push(param[1]);
        return "([^/]+)";
      }
      return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    })
    .join("/");
  return { route, pattern: new RegExp(`^${source}$`), paramNames };
}

const STAGE_PREFIX = `/${STAGE}`;

export class RouteTable {
  private readonly routes = ROUTES.map((route: RouteDefinition) => compile(route));

  /** The route under the stage prefix that answers this method and path. */
  find(method: string, url: RequestTarget): Target | Refusal {
    const rawPath = url.pathname.startsWith(`${STAGE_PREFIX}/`)
      ? url.pathname.slice(STAGE_PREFIX.length)
      : undefined;
    const matched = rawPath === undefined ? undefined : this.match(method, rawPath);
    if (!matched || rawPath === undefined) {
      return new Refusal("NOT_FOUND", `No route for ${method} ${url.pathname}.`);
    }
    return { method, rawPath, ...matched };
  }

  private match(
    method: string,
    path: string,
  ): { route: RouteDefinition; pathParameters: Record<string, string> } | undefined {
    for (const compiled of this.routes) {
      if (compiled.route.method !== method) continue;
      const found = compiled.pattern.exec(path);
      if (!found) continue;
      const pathParameters: Record<string, string> = {};
      compiled.paramNames.forEach((name, index) => {
        pathParameters[name] = decodePathParameter(found[index + 1] ?? "");
      });
      return { route: compiled.route, pathParameters };
    }
    return undefined;
  }
}
