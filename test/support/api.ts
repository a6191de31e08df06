/**
 * Raw requests to the local gateway, kept for what the typed client (client.ts)
 * must not send: malformed bodies, unknown paths, wrong content types, raw headers.
 */
import { inject } from "vitest";
import { readEndpoints, useLocalServices } from "#infra/local/local-stack.ts";
import { ApiError } from "#shared/client/client.ts";
import { createUploadRoute } from "#shared/contract/routes/workspaces.ts";
import type { Role } from "#shared/domain/principal.ts";
import { createApiKey } from "#shared/usecases/api-keys.ts";
import { stackClient } from "./client.ts";
import { checkAnswer } from "./response-check.ts";
import { fetchResending } from "./transport.ts";

export interface ApiAnswer<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export const baseUrl = (): string => inject("baseUrl");
export const adminKey = (): string => inject("adminKey");

export async function api<T = Record<string, unknown>>(
  method: string,
  path: string,
  options: {
    key?: string | undefined;
    body?: unknown;
    rawBody?: string | Buffer;
    headers?: Record<string, string>;
  } = {},
): Promise<ApiAnswer<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.key !== undefined) headers["X-API-Key"] = options.key;
  let body: string | Buffer | undefined;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers["Content-Type"] ??= "application/json";
  } else if (options.rawBody !== undefined) {
    body = options.rawBody;
  }
  const response = await fetchResending(`${baseUrl()}${path}`, {
    method,
    headers,
    body,
    redirect: "manual",
  });
  const text = await response.text();
  // Every answer must be one the OpenAPI document describes for its route and status.
  checkAnswer({ method, path, status: response.status, headers: response.headers, text });
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // Not JSON: the raw text is in `text`.
  }
  return { status: response.status, headers: response.headers, body: parsed as T, text };
}

let servicesReady = false;

/** Points this test process's SDK clients at the running local stack (for setup and checks). */
export function useStackStorage(): void {
  if (servicesReady) return;
  useLocalServices(readEndpoints(inject("dataDir")));
  servicesReady = true;
}

/** A fresh API key for a tenant and role, created as `npm run keys` would. */
export async function newKey(tenant: string, role: Role): Promise<string> {
  useStackStorage();
  return (await createApiKey(tenant, role)).plainKey;
}

let counter = 0;
/** A tenant id no other test uses, so suites never see each other's data. */
export function uniqueTenant(prefix = "t"): string {
  counter += 1;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${counter}`;
}

export function uniqueUser(prefix = "user"): string {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${counter}`;
}

/** Uploads a workspace file as a client does: a presigned PUT from the API, then the PUT itself. */
export async function uploadThroughApi(
  key: string,
  sessionId: string,
  path: string,
  content: string | Buffer,
  contentType = "application/octet-stream",
): Promise<void> {
  const bytes = Buffer.from(content);
  const ticket = await stackClient(key)
    .call(createUploadRoute, {
      params: { id: sessionId },
      body: { path, content_type: contentType, size_bytes: bytes.length },
    })
    .catch((error: unknown) => {
      const reason = error instanceof ApiError ? `${error.status} ${error.error_code}` : error;
      throw new Error(`upload ticket for ${path}: ${String(reason)}`, { cause: error });
    });
  const put = await fetch(ticket.body.url, {
    method: ticket.body.method,
    headers: ticket.body.headers,
    body: bytes,
  });
  if (put.status !== 200) throw new Error(`upload of ${path}: ${put.status}`);
}
