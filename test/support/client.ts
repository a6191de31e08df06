/**
 * The typed client (shared/client/client.ts) pointed at the local stack, for
 * suites that call routes as a client program would. Every answer is also
 * checked against the OpenAPI document, as `api()` checks its answers, and
 * goes over the same transport (one resend of an idempotent request whose
 * kept-alive connection dropped).
 */
import { inject } from "vitest";
import { ApiError, type Client, createClient } from "#shared/client/client.ts";
import type { ErrorBody } from "#shared/contract/schemas/common.ts";
import { checkAnswer } from "./response-check.ts";
import { fetchResending } from "./transport.ts";

/** One answer as it came over the wire, before the client reads it. */
export interface SeenAnswer {
  method: string;
  /** Below the stage, with the query: `/sessions/sess_…/investigate?log_lines=5`. */
  path: string;
  status: number;
  headers: Headers;
  text: string;
}

export interface StackClientOptions {
  /** Told of every answer, success or error (a suite's leak scan records them). */
  onAnswer?: (answer: SeenAnswer) => void;
}

/** fetch over the suites' transport, then the answer's check against the document. */
function checkingFetch(baseUrl: string, options: StackClientOptions): typeof fetch {
  return async (input, init) => {
    const url = String(input);
    const method = init?.method ?? "GET";
    const response = await fetchResending(url, {
      ...init,
      method,
      headers: Object.fromEntries(new Headers(init?.headers).entries()),
    });
    const path = url.startsWith(baseUrl) ? url.slice(baseUrl.length) : url;
    // A clone, so the client still reads the body once, itself.
    const text = await response.clone().text();
    checkAnswer({ method, path, status: response.status, headers: response.headers, text });
    options.onAnswer?.({ method, path, status: response.status, headers: response.headers, text });
    return response;
  };
}

/** A client of the local stack that sends `key` as X-API-Key (none for public routes). */
export function stackClient(key?: string, options: StackClientOptions = {}): Client {
  const baseUrl: string = inject("baseUrl");
  return createClient({
    baseUrl,
    headers: key === undefined ? {} : { "X-API-Key": key },
    fetch: checkingFetch(baseUrl, options),
  });
}

/** The ApiError a call ends in; a call that succeeds fails the test. */
export async function refusal(call: Promise<unknown>): Promise<ApiError> {
  const outcome = await call.then(
    (answer: unknown) => ({ answer }),
    (error: unknown) => error,
  );
  if (outcome instanceof ApiError) return outcome;
  if (outcome instanceof Error) throw outcome;
  throw new Error(`expected an error answer, got ${JSON.stringify(outcome)}`);
}

/**
 * The error body an ApiError came from. The document check already held the
 * whole body to the Error schema (no other fields), so this is all of it.
 */
export function errorBody(error: ApiError): ErrorBody {
  if (error.error_code === "UNEXPECTED_ANSWER") {
    throw new Error(`status ${error.status} came without the API's error body`);
  }
  return { error_code: error.error_code, message: error.message, details: error.details ?? {} };
}

/** The field the first entry of a 400's `details.fields` names. */
export function firstField(error: ApiError): unknown {
  const fields = error.details?.fields;
  if (!Array.isArray(fields)) return undefined;
  const [first]: unknown[] = fields;
  return typeof first === "object" && first !== null && "field" in first ? first.field : undefined;
}

/** The status a call was answered with, a success or an error answer alike. */
export async function statusOf(call: Promise<{ status: number }>): Promise<number> {
  return call.then(
    (answer) => answer.status,
    (error: unknown) => {
      if (error instanceof ApiError) return error.status;
      throw error;
    },
  );
}

/** One call's outcome: its answer or its ApiError, with the status and exact text it came with. */
export interface Exchange<A> {
  status: number;
  headers: Headers;
  text: string;
  answer: A | undefined;
  error: ApiError | undefined;
}

/** Sends one call and keeps whatever came back, success or error: for checks on either. */
export async function exchange<A>(
  key: string | undefined,
  send: (client: Client) => Promise<A>,
): Promise<Exchange<A>> {
  let seen: SeenAnswer | undefined;
  const client = stackClient(key, {
    onAnswer: (answer) => {
      seen = answer;
    },
  });
  const outcome = await send(client).then(
    (answer) => ({ answer, error: undefined }),
    (error: unknown) => {
      if (error instanceof ApiError) return { answer: undefined, error };
      throw error;
    },
  );
  if (!seen) throw new Error("the call sent no request");
  return { status: seen.status, headers: seen.headers, text: seen.text, ...outcome };
}

/** The status and exact text one call was answered with, success or error: for byte-for-byte checks. */
export async function answerText(
  key: string | undefined,
  send: (client: Client) => Promise<unknown>,
): Promise<{ status: number; text: string }> {
  const { status, text } = await exchange(key, send);
  return { status, text };
}
