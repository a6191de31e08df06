/**
 * The one HTTP client of the API, typed from the route table: `call(route,
 * input)` takes a route definition (or its ROUTE_INDEX entry), and the
 * route's schemas type what it sends and the answers it gets back. It runs
 * on `fetch` alone and imports no schema at run time, so the browser page
 * uses it as the command line and the tests do. Answers are not re-parsed:
 * the server already answers by the same schemas.
 */
import type { ErrorCode } from "#shared/domain/errors.ts";
import type { InputArgs, RouteAnswer, RouteInput, RouteRef } from "./route-types.ts";

export type { RouteAnswer, RouteInput, RouteRef } from "./route-types.ts";

/** The code an ApiError carries when the answer was not the API's error body. */
export const UNEXPECTED_ANSWER = "UNEXPECTED_ANSWER";

/** An answer with a status the route does not document as success: the API's error body. */
export class ApiError extends Error {
  override readonly name = "ApiError";
  constructor(
    readonly status: number,
    readonly error_code: ErrorCode | typeof UNEXPECTED_ANSWER,
    message: string,
    readonly details: Record<string, unknown> | undefined,
    readonly headers: Headers,
  ) {
    super(message);
  }
}

export interface ClientOptions {
  /** The stage URL, e.g. `https://…/v1`; the routes' paths follow it. A page may give a path. */
  baseUrl: string;
  /** Sent with every call (e.g. X-API-Key); a function is asked again each call. */
  headers?: Record<string, string> | (() => Record<string, string>);
  /** Replaces the global fetch (a test's checking fetch, a retrying one). */
  fetch?: typeof fetch;
  /** More fetch settings for every call (e.g. `cache: "no-store"`). */
  init?: Omit<RequestInit, "method" | "headers" | "body">;
}

export interface Client {
  call<R extends RouteRef>(route: R, ...input: InputArgs<R>): Promise<RouteAnswer<R>>;
}

/** The route's path with its parameters filled in; a greedy `{name+}` keeps its slashes. */
export function fillPath(template: string, params: Record<string, unknown> = {}): string {
  return template.replace(/\{(\w+)(\+?)\}/g, (_match, name: string, greedy: string) => {
    const value = params[name];
    if (value === undefined || value === null || value === "") {
      throw new TypeError(`${template}: path parameter ${name} is missing`);
    }
    const text = String(value);
    return greedy ? text.split("/").map(encodeURIComponent).join("/") : encodeURIComponent(text);
  });
}

function queryString(query: Record<string, unknown> = {}): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null) search.set(name, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

function documentedStatuses(route: RouteRef): readonly number[] {
  return "statuses" in route ? route.statuses : Object.keys(route.responses).map(Number);
}

function parseBody(response: Response, text: string): unknown {
  if (text === "") return undefined;
  const type = response.headers.get("content-type") ?? "";
  if (!/json/i.test(type)) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function errorOf(response: Response, body: unknown): ApiError {
  if (typeof body === "object" && body !== null && "error_code" in body && "message" in body) {
    const { error_code, message } = body;
    const details = "details" in body ? body.details : undefined;
    if (typeof error_code === "string" && typeof message === "string") {
      return new ApiError(
        response.status,
        // The service answers only its documented codes; which one is not checked again here.
        error_code as ErrorCode,
        message,
        typeof details === "object" && details !== null ? { ...details } : undefined,
        response.headers,
      );
    }
  }
  return new ApiError(
    response.status,
    UNEXPECTED_ANSWER,
    `HTTP ${response.status} without the API's error body`,
    undefined,
    response.headers,
  );
}

export function createClient(options: ClientOptions): Client {
  const send = options.fetch ?? ((input, init) => fetch(input, init));
  return {
    async call<R extends RouteRef>(route: R, ...args: InputArgs<R>): Promise<RouteAnswer<R>> {
      const input: Partial<Record<keyof RouteInput<R>, unknown>> = args[0] ?? {};
      const headers: Record<string, string> = {
        ...(typeof options.headers === "function" ? options.headers() : options.headers),
      };
      for (const [name, value] of Object.entries(input.headers ?? {})) {
        if (typeof value === "string") headers[name] = value;
      }
      let body: string | undefined;
      if (input.body !== undefined) {
        body = JSON.stringify(input.body);
        headers["Content-Type"] = "application/json";
      }
      const url = `${options.baseUrl}${fillPath(route.path, input.params ?? {})}${queryString(input.query ?? {})}`;
      const response = await send(url, {
        redirect: "manual",
        ...options.init,
        method: route.method,
        headers,
        body,
      });
      const parsed = parseBody(response, await response.text());
      if (!documentedStatuses(route).includes(response.status)) throw errorOf(response, parsed);
      // The status is one the route documents, and the server answered it by that status's schema.
      return { status: response.status, headers: response.headers, body: parsed } as RouteAnswer<R>;
    },
  };
}
