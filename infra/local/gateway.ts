/**
 * The local gateway: the same routes as the deployed REST API, built from the
 * route table. Each request becomes an API Gateway proxy event; the real
 * authorizer runs first (its policy decides 403s, as in AWS), then the
 * per-key rate limit, then the function's handler. Errors the gateway itself
 * produces use the contract's error body, as the stack's gateway responses do.
 */
import { isUtf8 } from "node:buffer";
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { Duplex } from "node:stream";
import { pathToFileURL } from "node:url";
import type {
  APIGatewayAuthorizerResult,
  APIGatewayProxyEvent,
  APIGatewayProxyResult,
  APIGatewayRequestAuthorizerEvent,
  Context,
} from "aws-lambda";
import {
  DEFAULT_TIMEOUT_SECONDS,
  FUNCTIONS,
  type FunctionName,
  INTEGRATION_TIMEOUT_SECONDS,
  ROUTES,
  type RouteDefinition,
  STAGE,
} from "#shared/contract/routes.ts";
import { HealthReport } from "#shared/contract/schemas/health.ts";
import type { ErrorCode } from "#shared/domain/errors.ts";
import { STATUS_BY_CODE } from "#shared/domain/errors.ts";
import { headerValue } from "#shared/http/headers.ts";
import { allowOriginHeaders } from "#shared/http/responses.ts";
import { RateLimiter } from "./rate-limiter.ts";
import { decodePathParameter, type RequestTarget, requestTarget } from "./request-target.ts";
import type { Dependency } from "./supervisor.ts";

/** API Gateway's own payload limit. */
const GATEWAY_MAX_BODY_BYTES = 10 * 1024 * 1024;
const INTEGRATION_TIMEOUT_MS = INTEGRATION_TIMEOUT_SECONDS * 1000;
const LOCAL_ARN_PREFIX = `arn:aws:execute-api:local:000000000000:local/${STAGE}`;

type ProxyHandler = (
  event: APIGatewayProxyEvent,
  context: Context,
) => Promise<APIGatewayProxyResult>;
type AuthorizerHandler = (
  event: APIGatewayRequestAuthorizerEvent,
) => Promise<APIGatewayAuthorizerResult>;

export interface GatewayOptions {
  port: number;
  host?: string;
  functionsDir: string;
  rateLimit: { rps: number; burst: number };
  /** Seconds an authorizer answer is reused for the same key (0: ask every time). */
  authorizerCacheSeconds: number;
  corsOrigins: string[];
  /** Dependencies whose local child is down (restarting): /health names them and answers 503. */
  downDependencies?: () => Dependency[];
  /** Takes HTTP upgrades (the push stream's WebSocket handshake). */
  onUpgrade?: (request: IncomingMessage, socket: Duplex, head: Buffer) => void;
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

/**
 * A record without a prototype: header and query parameter names come from the
 * caller, and `constructor` or `__proto__` must be plain keys, as they are in
 * the JSON event API Gateway sends.
 */
function plainRecord<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/** An answer the gateway gives itself instead of calling on: a step's "no". */
class Refusal {
  constructor(
    readonly code: ErrorCode,
    readonly message: string,
    readonly headers: Record<string, string> = {},
    readonly status: number = STATUS_BY_CODE[code],
  ) {}
}

/** A request matched to its route, with the path below the stage. */
interface Target {
  method: string;
  rawPath: string;
  route: RouteDefinition;
  pathParameters: Record<string, string>;
}

interface RequestHeaders {
  single: Record<string, string>;
  multi: Record<string, string[]>;
}

/** Headers as API Gateway passes them: as sent, the last value and every value per name. */
function requestHeaders(request: IncomingMessage): RequestHeaders {
  const single = plainRecord<string>();
  const multi = plainRecord<string[]>();
  for (let index = 0; index < request.rawHeaders.length; index += 2) {
    const name = request.rawHeaders[index] ?? "";
    const value = request.rawHeaders[index + 1] ?? "";
    single[name] = value;
    multi[name] = [...(multi[name] ?? []), value];
  }
  return { single, multi };
}

function queryParameters(
  url: RequestTarget,
): Pick<APIGatewayProxyEvent, "queryStringParameters" | "multiValueQueryStringParameters"> {
  const query = plainRecord<string>();
  const multiQuery = plainRecord<string[]>();
  for (const [name, value] of url.searchParams) {
    query[name] = value;
    multiQuery[name] = [...(multiQuery[name] ?? []), value];
  }
  const hasQuery = Object.keys(query).length > 0;
  return {
    queryStringParameters: hasQuery ? query : null,
    multiValueQueryStringParameters: hasQuery ? multiQuery : null,
  };
}

interface ProxyEventParts {
  request: IncomingMessage;
  url: RequestTarget;
  target: Target;
  headers: RequestHeaders;
  body: Buffer;
  authorizer: Record<string, unknown> | null;
  arrivedAt: number;
}

/** The proxy event API Gateway would send the function for this request. */
function proxyEvent(parts: ProxyEventParts): APIGatewayProxyEvent {
  const { request, target, headers, body } = parts;
  const { route, rawPath, method, pathParameters } = target;
  return {
    resource: route.path,
    path: rawPath,
    httpMethod: method,
    headers: headers.single,
    multiValueHeaders: headers.multi,
    ...queryParameters(parts.url),
    pathParameters: Object.keys(pathParameters).length ? pathParameters : null,
    stageVariables: null,
    // Bytes that are not UTF-8 go as base64, as API Gateway hands over a binary
    // body, so the function sees them rather than replacement characters.
    body: body.length ? body.toString(isUtf8(body) ? "utf8" : "base64") : null,
    isBase64Encoded: !isUtf8(body),
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
function writeResult(response: ServerResponse, result: APIGatewayProxyResult): void {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
  const payload = result.isBase64Encoded
    ? Buffer.from(result.body, "base64")
    : Buffer.from(result.body ?? "");
  response.writeHead(result.statusCode, headers);
  response.end(payload);
}

function errorBody(code: ErrorCode, message: string): string {
  return JSON.stringify({ error_code: code, message, details: {} });
}

/** A whole error answer written straight to a socket Node's HTTP layer gave up on, then closed. */
function endWithError(socket: Duplex, status: string, code: ErrorCode, message: string): void {
  const body = errorBody(code, message);
  socket.end(
    `HTTP/1.1 ${status}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** IAM-style match of a method ARN against a policy resource with `*` wildcards. */
function resourceMatches(pattern: string, arn: string): boolean {
  const regex = new RegExp(
    `^${pattern
      .split("*")
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*")}$`,
  );
  return regex.test(arn);
}

function policyAllows(result: APIGatewayAuthorizerResult, methodArn: string): boolean {
  let allowed = false;
  for (const statement of result.policyDocument.Statement) {
    if (!("Resource" in statement)) continue;
    const resources = Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
    const matches = resources.some((resource) => resourceMatches(String(resource), methodArn));
    if (!matches) continue;
    if (statement.Effect === "Deny") return false;
    allowed = true;
  }
  return allowed;
}

export function lambdaContext(functionName: string, timeoutMs: number): Context {
  const started = Date.now();
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: "512",
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: "local",
    getRemainingTimeInMillis: () => Math.max(0, timeoutMs - (Date.now() - started)),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export class LocalGateway {
  private readonly routes = ROUTES.map((route: RouteDefinition) => compile(route));
  private readonly handlers = new Map<FunctionName, Promise<unknown>>();
  private readonly limiter: RateLimiter;
  /** Connections with an answer in progress, and that answer. */
  private readonly answering = new WeakMap<Duplex, ServerResponse>();
  private readonly authCache = new Map<
    string,
    { result: APIGatewayAuthorizerResult; until: number }
  >();
  private server: Server | undefined;

  constructor(private readonly options: GatewayOptions) {
    this.limiter = new RateLimiter(options.rateLimit.rps, options.rateLimit.burst);
  }

  async listen(): Promise<string> {
    // A request without Host reaches handle() and gets the contract's 400
    // there, rather than Node's bodiless one.
    this.server = createServer({ requireHostHeader: false }, (request, response) =>
      this.onRequest(request, response),
    );
    this.server.keepAliveTimeout = 5000;
    // Requests Node's HTTP parser refuses never reach handle(); answer them in the
    // contract's error format too. A request line and headers above the limit get
    // 413, as API Gateway's REQUEST_TOO_LARGE response does.
    this.server.on("clientError", (error: NodeJS.ErrnoException, socket: Duplex) =>
      this.onClientError(error, socket),
    );
    const onUpgrade = this.options.onUpgrade;
    if (onUpgrade) this.server.on("upgrade", onUpgrade);
    // CONNECT never reaches the request handler; API Gateway has no such route.
    this.server.on("connect", (request: IncomingMessage, socket: Duplex) => {
      endWithError(
        socket,
        "404 Not Found",
        "NOT_FOUND",
        `No route for CONNECT ${request.url ?? ""}.`,
      );
    });
    await new Promise<void>((resolve) =>
      this.server?.listen(this.options.port, this.options.host ?? "127.0.0.1", resolve),
    );
    const address = this.server.address() as AddressInfo;
    return `http://${address.address}:${address.port}/${STAGE}`;
  }

  private onRequest(request: IncomingMessage, response: ServerResponse): void {
    this.answering.set(request.socket, response);
    response.once("close", () => this.answering.delete(request.socket));
    if (request.httpVersion === "1.1" && request.headers.host === undefined) {
      request.resume();
      this.refuse(
        response,
        request,
        new Refusal("VALIDATION_ERROR", "Send a Host header; HTTP/1.1 requires one.", {
          Connection: "close",
        }),
      );
      return;
    }
    this.handle(request, response).catch(() => {
      if (!response.headersSent) {
        this.send(
          response,
          502,
          errorBody("INTERNAL", "The gateway could not complete the request."),
          {},
        );
      }
    });
  }

  private onClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
    if (error.code === "ECONNRESET" || !socket.writable) {
      socket.destroy();
      return;
    }
    // A pipelined request broke while an earlier one is answered: the error
    // answer follows that answer, never interleaves with it.
    const inFlight = this.answering.get(socket);
    if (inFlight) {
      inFlight.once("finish", () => this.refuseUnparsable(error, socket));
      return;
    }
    this.refuseUnparsable(error, socket);
  }

  /** Answers a request Node's parser refused; the connection then closes. */
  private refuseUnparsable(error: NodeJS.ErrnoException, socket: Duplex): void {
    if (!socket.writable) return;
    if (error.code === "HPE_HEADER_OVERFLOW") {
      endWithError(
        socket,
        "413 Payload Too Large",
        "PAYLOAD_TOO_LARGE",
        "The request line and headers are too large. Send long values in a JSON body.",
      );
      return;
    }
    endWithError(socket, "400 Bad Request", "VALIDATION_ERROR", "The request is not valid HTTP.");
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Loads a function's handler module once, as Lambda would on a cold start. */
  async loadHandler<T>(name: FunctionName): Promise<T> {
    let loading = this.handlers.get(name);
    if (!loading) {
      const file = join(this.options.functionsDir, name, "handler.ts");
      loading = import(pathToFileURL(file).href).then(
        (module: { handler: unknown }) => module.handler,
      );
      this.handlers.set(name, loading);
    }
    return (await loading) as T;
  }

  private corsHeaders(request: IncomingMessage): Record<string, string> {
    return allowOriginHeaders(this.options.corsOrigins, request.headers.origin);
  }

  private send(
    response: ServerResponse,
    status: number,
    body: string,
    headers: Record<string, string>,
  ): void {
    response.writeHead(status, {
      ...(body ? { "Content-Type": "application/json; charset=utf-8" } : {}),
      ...headers,
    });
    response.end(body);
  }

  /** Writes a refusal in the contract's error format, with the caller's CORS headers. */
  private refuse(response: ServerResponse, request: IncomingMessage, refusal: Refusal): void {
    this.send(response, refusal.status, errorBody(refusal.code, refusal.message), {
      ...this.corsHeaders(request),
      ...refusal.headers,
    });
  }

  private async readBody(request: IncomingMessage): Promise<Buffer | "too_large"> {
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

  /**
   * One request, in API Gateway's order: route, body limit, authorizer and
   * rate limit, then the function. Each step either passes or refuses.
   */
  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    // As API Gateway's requestTimeEpoch: when the request arrived, before the authorizer ran.
    const arrivedAt = Date.now();
    const url = requestTarget(request.url);
    const method = (request.method ?? "GET").toUpperCase();
    if (method === "OPTIONS") {
      this.answerPreflight(request, response);
      return;
    }
    const target = this.findTarget(method, url);
    if (target instanceof Refusal) {
      request.resume();
      this.refuse(response, request, target);
      return;
    }
    const body = await this.readBody(request);
    if (body === "too_large") {
      this.refuse(
        response,
        request,
        new Refusal("PAYLOAD_TOO_LARGE", "The request body is too large."),
      );
      request.destroy();
      return;
    }
    const headers = requestHeaders(request);
    const authorizer = await this.admit(target, headers.single);
    if (authorizer instanceof Refusal) {
      this.refuse(response, request, authorizer);
      return;
    }
    const event = proxyEvent({ request, url, target, headers, body, authorizer, arrivedAt });
    const result = await this.invoke(target.route.function, event);
    if (result instanceof Refusal) {
      this.refuse(response, request, result);
      return;
    }
    writeResult(
      response,
      target.route.function === "health" ? this.withDownChildren(result) : result,
    );
  }

  private answerPreflight(request: IncomingMessage, response: ServerResponse): void {
    response.writeHead(204, {
      ...this.corsHeaders(request),
      "Access-Control-Allow-Methods": "GET,POST,PATCH,DELETE,OPTIONS",
      "Access-Control-Allow-Headers": "Content-Type,X-API-Key,Idempotency-Key,If-Match",
      "Access-Control-Max-Age": "600",
    });
    response.end();
  }

  /** The route under the stage prefix that answers this method and path. */
  private findTarget(method: string, url: RequestTarget): Target | Refusal {
    const stagePrefix = `/${STAGE}`;
    const rawPath = url.pathname.startsWith(`${stagePrefix}/`)
      ? url.pathname.slice(stagePrefix.length)
      : undefined;
    const matched = rawPath === undefined ? undefined : this.match(method, rawPath);
    if (!matched || rawPath === undefined) {
      return new Refusal("NOT_FOUND", `No route for ${method} ${url.pathname}.`);
    }
    return { method, rawPath, ...matched };
  }

  /**
   * The authorizer's verdict and the per-key rate limit for a protected route;
   * the authorizer context the function sees (null on a public route).
   */
  private async admit(
    target: Target,
    headers: Record<string, string>,
  ): Promise<Record<string, unknown> | null | Refusal> {
    if (target.route.roles === "public") return null;
    const methodArn = `${LOCAL_ARN_PREFIX}/${target.method}${target.rawPath}`;
    const authorization = await this.authorize(target, headers, methodArn);
    if (authorization === "unauthorized") {
      return new Refusal("UNAUTHORIZED", "Send a valid API key in the X-API-Key header.");
    }
    if (authorization === "failed") {
      return new Refusal(
        "UNAVAILABLE",
        "The API key could not be checked just now. Retry shortly.",
        { "Retry-After": "1" },
      );
    }
    if (!policyAllows(authorization, methodArn)) {
      return new Refusal("FORBIDDEN", "This key's role may not call this route.");
    }
    const wait = this.limiter.take(authorization.usageIdentifierKey ?? authorization.principalId);
    if (wait > 0) {
      return new Refusal("RATE_LIMITED", "Too many requests for this API key; slow down.", {
        "Retry-After": String(Math.ceil(wait)),
      });
    }
    return { ...authorization.context, principalId: authorization.principalId };
  }

  /** Runs the function under its timeout, capped by the integration's, as API Gateway does. */
  private async invoke(
    name: FunctionName,
    event: APIGatewayProxyEvent,
  ): Promise<APIGatewayProxyResult | Refusal> {
    const definition = FUNCTIONS[name] as { timeoutSeconds?: number };
    const timeoutMs = Math.min(
      (definition.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000,
      INTEGRATION_TIMEOUT_MS,
    );
    const handler = await this.loadHandler<ProxyHandler>(name);
    // Cleared when the handler answers: a pending timer would keep the answer
    // (through the race) in memory until the timeout passed.
    let timer: NodeJS.Timeout | undefined;
    try {
      const result = await Promise.race([
        handler(event, lambdaContext(name, timeoutMs)),
        new Promise<"timeout">((resolve) => {
          timer = setTimeout(() => resolve("timeout"), timeoutMs);
          timer.unref();
        }),
      ]);
      if (result !== "timeout") return result;
      return new Refusal(
        "UNAVAILABLE",
        "The function timed out; retry later.",
        { "Retry-After": "1" },
        504,
      );
    } catch {
      return new Refusal("INTERNAL", "The function failed; retry later.", {}, 502);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * A child that exited is unhealthy even in the moment a probe might still
   * reach it (or its replacement has just bound the port but not finished
   * starting): /health says so, naming it, until it is running again.
   */
  private withDownChildren(result: APIGatewayProxyResult): APIGatewayProxyResult {
    const down = this.options.downDependencies?.() ?? [];
    if (down.length === 0) return result;
    let report: HealthReport;
    try {
      report = HealthReport.parse(JSON.parse(result.body));
    } catch {
      return result;
    }
    for (const dependency of down) {
      report.checks[dependency] = {
        latency_ms: 0,
        ...report.checks[dependency],
        status: "failing",
      };
    }
    const failing = (["dynamodb", "s3", "stream"] as const).filter(
      (name) => report.checks[name]?.status === "failing",
    );
    return {
      ...result,
      statusCode: 503,
      body: JSON.stringify({ ...report, status: "unhealthy", failing }),
    };
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

  private async authorize(
    target: Target,
    headers: Record<string, string>,
    methodArn: string,
  ): Promise<APIGatewayAuthorizerResult | "unauthorized" | "failed"> {
    const apiKey = headerValue(headers, "x-api-key");
    // API Gateway rejects a request without the identity source before calling the authorizer.
    if (!apiKey) return "unauthorized";
    const cached = this.authCache.get(apiKey);
    if (cached && cached.until > Date.now()) return cached.result;
    const authorizer = await this.loadHandler<AuthorizerHandler>("authorizer");
    try {
      const result = await authorizer({
        type: "REQUEST",
        methodArn,
        resource: target.route.path,
        path: target.rawPath,
        httpMethod: target.method,
        headers,
        multiValueHeaders: null,
        pathParameters: null,
        queryStringParameters: null,
        multiValueQueryStringParameters: null,
        stageVariables: null,
        requestContext: {} as APIGatewayRequestAuthorizerEvent["requestContext"],
      } as APIGatewayRequestAuthorizerEvent);
      if (this.options.authorizerCacheSeconds > 0) {
        this.authCache.set(apiKey, {
          result,
          until: Date.now() + this.options.authorizerCacheSeconds * 1000,
        });
      }
      return result;
    } catch (error) {
      // As API Gateway: only the authorizer's "Unauthorized" is a 401. Any other
      // failure (the key store throttled or unreachable) is AUTHORIZER_FAILURE, a
      // 5xx the caller may retry, never a verdict on the key.
      return error instanceof Error && error.message === "Unauthorized" ? "unauthorized" : "failed";
    }
  }
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
