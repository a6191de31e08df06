/**
 * The typed client (shared/client/client.ts) pointed at the local stack, for
 * suites that call routes as a client program would. Every answer is also
 * checked against the OpenAPI document, as `api()` checks its answers.
 */
import { inject } from "vitest";
import { type Client, createClient } from "#shared/client/client.ts";
import { checkAnswer } from "./response-check.ts";

/** fetch, then the answer's check against the document for its route and status. */
function checkingFetch(baseUrl: string): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    const url = String(input);
    checkAnswer({
      method: init?.method ?? "GET",
      path: url.startsWith(baseUrl) ? url.slice(baseUrl.length) : url,
      status: response.status,
      headers: response.headers,
      text: await response.clone().text(),
    });
    return response;
  };
}

/** A client of the local stack that sends `key` as X-API-Key (none for public routes). */
export function stackClient(key?: string): Client {
  const baseUrl: string = inject("baseUrl");
  return createClient({
    baseUrl,
    headers: key === undefined ? {} : { "X-API-Key": key },
    fetch: checkingFetch(baseUrl),
  });
}
