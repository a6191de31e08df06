/**
 * What a route's zod schemas say its caller sends and gets back, as types
 * only: nothing here runs, so a browser page can use them without zod.
 */
import type * as z from "zod";
import type { RouteDefinition } from "#shared/contract/route-definition.ts";
import type { Route } from "#shared/contract/routes.ts";

/**
 * A route as the client needs it at run time. A route definition is one;
 * so is an entry of ROUTE_INDEX, for callers that must not load the schemas.
 */
export type RouteRef = { method: string; path: string; operationId: string } & (
  | { responses: Record<number, unknown> }
  | { statuses: readonly number[] }
);

/** The definition a reference stands for: itself, or the table's route with its operationId. */
export type RouteOf<R extends RouteRef> = R extends RouteDefinition
  ? R
  : Extract<Route, { operationId: R["operationId"] }>;

type RequestOf<R extends RouteRef> = RouteOf<R> extends { request: infer Q } ? Q : object;

/** Query values travel as text; a number is written as its digits. */
type QueryValues<T> = { [K in keyof T]: string extends T[K] ? T[K] | number : T[K] };

type ParamsPart<Q> = Q extends { params: infer P extends z.ZodType }
  ? { params: z.input<P> }
  : { params?: never };

type QueryPart<Q> = Q extends { query: infer S extends z.ZodType }
  ? object extends z.input<S>
    ? { query?: QueryValues<z.input<S>> }
    : { query: QueryValues<z.input<S>> }
  : { query?: never };

type BodyPart<Q> = Q extends { body: infer S extends z.ZodType }
  ? undefined extends z.input<S>
    ? { body?: z.input<S> }
    : { body: z.input<S> }
  : { body?: never };

type RequiredHeaderNames<H> = {
  [K in keyof H]: H[K] extends { required: true } ? K : never;
}[keyof H];

type HeadersPart<Q> = Q extends { headers: infer H }
  ? [RequiredHeaderNames<H>] extends [never]
    ? { headers?: { [K in keyof H]?: string } }
    : { headers: { [K in RequiredHeaderNames<H>]: string } & { [K in keyof H]?: string } }
  : { headers?: never };

type Flatten<T> = { [K in keyof T]: T[K] };

/** What a call of the route sends: path parameters, query, body and the headers it reads. */
export type RouteInput<R extends RouteRef> = Flatten<
  ParamsPart<RequestOf<R>> &
    QueryPart<RequestOf<R>> &
    BodyPart<RequestOf<R>> &
    HeadersPart<RequestOf<R>>
>;

/** The input argument: optional when the route needs nothing. */
export type InputArgs<R extends RouteRef> =
  object extends RouteInput<R> ? [input?: RouteInput<R>] : [input: RouteInput<R>];

type Responses<R extends RouteRef> = RouteOf<R>["responses"];

type BodyOf<D> = D extends { schema: infer S extends z.ZodType }
  ? z.output<S>
  : D extends { contentType: "text/html" }
    ? string
    : undefined;

/** One of the route's documented answers, told apart by status. */
export type RouteAnswer<R extends RouteRef> = {
  [S in keyof Responses<R> & number]: {
    status: S;
    headers: Headers;
    body: BodyOf<Responses<R>[S]>;
  };
}[keyof Responses<R> & number];
