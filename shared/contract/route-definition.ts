/**
 * The shape of one route: the route areas (routes/<area>.ts) write their
 * definitions against it, and the table in routes.ts lists them.
 */
import type * as z from "zod";
import type { ErrorCode } from "#shared/domain/errors.ts";
import type { Role } from "#shared/domain/principal.ts";
import type { FunctionName } from "./functions.ts";

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface RouteDefinition {
  method: HttpMethod;
  /** API Gateway resource path; `{id}` and greedy `{path+}` parameters. */
  path: string;
  function: FunctionName;
  /** Roles that may call it; `public` routes need no key. */
  roles: readonly Role[] | "public";
  operationId: string;
  summary: string;
  request?: {
    params?: z.ZodType;
    query?: z.ZodType;
    body?: z.ZodType;
    /** Request headers the route reads, each with the text it accepts. */
    headers?: Record<
      string,
      { description: string; required: boolean; pattern: RegExp; maxLength: number }
    >;
  };
  /** Success answers: status to body schema (undefined for an empty body). */
  responses: Record<
    number,
    {
      description: string;
      schema?: z.ZodType;
      headers?: string[];
      /** The body is a page rather than JSON (`schema` is then absent). */
      contentType?: "text/html";
    }
  >;
  /** Error codes this route can answer besides the ones every route can. */
  errors: readonly ErrorCode[];
}
