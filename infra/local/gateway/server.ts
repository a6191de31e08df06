/**
 * The local gateway: the same routes as the deployed REST API, built from the
 * route table. Each request becomes an API Gateway proxy event; the real
 * authorizer runs first (its policy decides 403s, as in AWS), then the
 * per-key rate limit, then the function's handler. Errors the gateway itself
 * produces use the contract's error body, as the stack's gateway responses do.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { type FunctionName, STAGE } from "#shared/contract/routes.ts";
import { RateLimiter } from "../rate-limiter.ts";
import { requestTarget } from "../request-target.ts";
import type { Dependency } from "../supervisor.ts";
import { Admission, type AuthorizerHandler } from "./authorization.ts";
import { answerPreflight, corsHeaders } from "./cors.ts";
import { FunctionHost } from "./functions.ts";
import { withDownChildren } from "./health.ts";
import { proxyEvent, readBody, requestHeaders, writeResult } from "./proxy-event.ts";
import { missingHost, refuseConnect, UnparsableRequests } from "./raw-requests.ts";
import { errorBody, Refusal, send, sendRefusal } from "./refusal.ts";
import { RouteTable } from "./routing.ts";

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
  /** Called after each function that may have written (any method but GET). */
  onWrite?: () => void;
  /** Takes HTTP upgrades (the push stream's WebSocket handshake). */
  onUpgrade?: (request: IncomingMessage, socket: Duplex, head: Buffer) => void;
}

export class LocalGateway {
  private readonly routes = new RouteTable();
  private readonly functions: FunctionHost;
  private readonly admission: Admission;
  private readonly unparsable = new UnparsableRequests();
  private server: Server | undefined;

  constructor(private readonly options: GatewayOptions) {
    this.functions = new FunctionHost(options.functionsDir);
    this.admission = new Admission(
      () => this.functions.load<AuthorizerHandler>("authorizer"),
      options.authorizerCacheSeconds,
      new RateLimiter(options.rateLimit.rps, options.rateLimit.burst),
    );
  }

  async listen(): Promise<string> {
    // A request without Host reaches onRequest() and gets the contract's 400
    // there, rather than Node's bodiless one.
    const server = createServer({ requireHostHeader: false }, (request, response) =>
      this.onRequest(request, response),
    );
    server.keepAliveTimeout = 5000;
    this.attachSocketEvents(server);
    this.server = server;
    await new Promise<void>((resolve) =>
      server.listen(this.options.port, this.options.host ?? "127.0.0.1", resolve),
    );
    const address = server.address() as AddressInfo;
    return `http://${address.address}:${address.port}/${STAGE}`;
  }

  /**
   * What reaches the server outside a request and its response: the one place
   * a protocol hook (an `upgrade` listener) is attached. With no `upgrade`
   * listener, Node hands an Upgrade request to onRequest() as a plain one.
   */
  private attachSocketEvents(server: Server): void {
    server.on("clientError", (error: NodeJS.ErrnoException, socket: Duplex) =>
      this.unparsable.onClientError(error, socket),
    );
    server.on("connect", refuseConnect);
    const onUpgrade = this.options.onUpgrade;
    if (onUpgrade) server.on("upgrade", onUpgrade);
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Loads a function's handler module once, as Lambda would on a cold start. */
  loadHandler<T>(name: FunctionName): Promise<T> {
    return this.functions.load<T>(name);
  }

  private onRequest(request: IncomingMessage, response: ServerResponse): void {
    this.unparsable.track(request, response);
    const noHost = missingHost(request);
    if (noHost) {
      request.resume();
      this.refuse(response, request, noHost);
      return;
    }
    this.handle(request, response).catch(() => {
      if (!response.headersSent) {
        send(
          response,
          502,
          errorBody("INTERNAL", "The gateway could not complete the request."),
          {},
        );
      }
    });
  }

  /** Writes a refusal in the contract's error format, with the caller's CORS headers. */
  private refuse(response: ServerResponse, request: IncomingMessage, refusal: Refusal): void {
    sendRefusal(response, refusal, corsHeaders(this.options.corsOrigins, request));
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
      answerPreflight(this.options.corsOrigins, request, response);
      return;
    }
    const target = this.routes.find(method, url);
    if (target instanceof Refusal) {
      request.resume();
      this.refuse(response, request, target);
      return;
    }
    const body = await readBody(request);
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
    const authorizer = await this.admission.admit(target, headers.single);
    if (authorizer instanceof Refusal) {
      this.refuse(response, request, authorizer);
      return;
    }
    const event = proxyEvent({ request, url, target, headers, body, authorizer, arrivedAt });
    const result = await this.functions.invoke(target.route.function, event);
    if (target.route.method !== "GET") this.options.onWrite?.();
    if (result instanceof Refusal) {
      this.refuse(response, request, result);
      return;
    }
    const down = target.route.function === "health" ? this.options.downDependencies?.() : [];
    writeResult(response, withDownChildren(result, down ?? []));
  }
}
