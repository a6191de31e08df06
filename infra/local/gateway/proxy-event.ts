/**
 * The API Gateway proxy integration's shapes: the request read into the
 * event a function receives, and the function's result written back as
 * API Gateway returns it.
 */
import { isUtf8 } from "node:buffer";
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import { STAGE } from "#shared/contract/routes.ts";
import type { RequestTarget } from "../request-target.ts";
import type { Target } from "./routing.ts";

/** API Gateway's own payload limit. */
const GATEWAY_MAX_BODY_BYTES = 10 * 1024 * 1024;

/**
 * A record without a prototype: header and query parameter names come from the
 * caller, and `constructor` or `__proto__` must be plain keys, as they are in
 * the JSON event API Gateway sends.
 */
function plainRecord<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

export interface RequestHeaders {
  single: Record<string, string>;
  multi: Record<string, string[]>;
}

/** Headers as API Gateway passes them: as sent, the last value and every value per name. */
export function requestHeaders(request: IncomingMessage): RequestHeaders {
  const single = plainRecord<string>();
  const multi = plainRecord<string[]>();
  const raw = request.rawHeaders;
  for (let index = 0; index < raw.length; index += 2) {
    const name = raw[index] ?? "";
    const value = raw[index + 1] ?? "";
    single[name] = value;
    const values = multi[name];
    if (values) values.push(value);
    else multi[name] = [value];
  }
  return { single, multi };
}

function queryParameters(
  url: RequestTarget,
): Pick<APIGatewayProxyEvent, "queryStringParameters" | "multiValueQueryStringParameters"> {
  if (url.searchParams.size === 0) {
    return { queryStringParameters: null, multiValueQueryStringParameters: null };
  }
  const query = plainRecord<string>();
  const multiQuery = plainRecord<string[]>();
  for (const [name, value] of url.searchParams) {
    query[name] = value;
    const values = multiQuery[name];
    if (values) values.push(value);
    else multiQuery[name] = [value];
  }
  return { queryStringParameters: query, multiValueQueryStringParameters: multiQuery };
}

/** The body, or "too_large" once it passes API Gateway's limit. */
export async function readBody(request: IncomingMessage): Promise<Buffer | "too_large"> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > GATEWAY_MAX_BODY_BYTES) return "too_large";
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

export interface ProxyEventParts {
  request: IncomingMessage;
  url: RequestTarget;
  target: Target;
  headers: RequestHeaders;
  body: Buffer;
  authorizer: Record<string, unknown> | null;
  arrivedAt: number;
}

/** The proxy event API Gateway would send the function for this request. */
export function proxyEvent(parts: ProxyEventParts): APIGatewayProxyEvent {
  const { request, target, headers, body } = parts;
  const { route, rawPath, method, pathParameters } = target;
  // Bytes that are not UTF-8 go as base64, as API Gateway hands over a binary
  // body, so the function sees them rather than replacement characters.
  const text = isUtf8(body);
  return {
    resource: route.path,
    path: rawPath,
    httpMethod: method,
    headers: headers.single,
    multiValueHeaders: headers.multi,
    ...queryParameters(parts.url),
    pathParameters: Object.keys(pathParameters).length ? pathParameters : null,
    stageVariables: null,
    body: body.length ? body.toString(text ? "utf8" : "base64") : null,
    isBase64Encoded: !text,
    requestContext: {
      accountId: "000000000000",
      apiId: "local",
      authorizer: parts.authorizer,
      httpMethod: method,
      identity: localIdentity(request.socket.remoteAddress ?? "127.0.0.1"),
      path: `/${STAGE}${rawPath}`,
      protocol: `HTTP/${request.httpVersion}`,
      requestId: randomUUID(),
      requestTimeEpoch: parts.arrivedAt,
      resourceId: "local",
      resourcePath: route.path,
      stage: STAGE,
    },
  };
}

/** The function's answer as API Gateway returns it: headers as strings, base64 bodies decoded. */
export function writeResult(response: ServerResponse, result: APIGatewayProxyResult): void {
  const headers: Record<string, string> = {};
  const given = result.headers;
  if (given) for (const name in given) headers[name] = String(given[name]);
  const payload = result.isBase64Encoded
    ? Buffer.from(result.body, "base64")
    : Buffer.from(result.body ?? "");
  response.writeHead(result.statusCode, headers);
  response.end(payload);
}

function localIdentity(sourceIp: string): APIGatewayProxyEvent["requestContext"]["identity"] {
  return {
    accessKey: null,
    accountId: null,
    apiKey: null,
    apiKeyId: null,
    caller: null,
    clientCert: null,
    cognitoAuthenticationProvider: null,
    cognitoAuthenticationType: null,
    cognitoIdentityId: null,
    cognitoIdentityPoolId: null,
    principalOrgId: null,
    sourceIp,
    user: null,
    userAgent: null,
    userArn: null,
  };
}
