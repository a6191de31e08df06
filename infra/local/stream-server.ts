/**
 * The push stream under `npm start`: `ws://HOST:PORT/v1/stream` on the local
 * gateway's port, run as API Gateway runs a WebSocket API. The handshake
 * goes through the same `$connect` authorizer (identity source: the
 * `ticket` query parameter) and `$connect` route; each text frame is routed
 * by its `action` (`subscribe`, `unsubscribe`, `ping`, else `$default`) to
 * the function the route table names, with API Gateway's event shape and
 * the authorizer's context; a close runs `$disconnect`. What functions send
 * back goes through `@connections` (connections-api.ts), never directly.
 */
import { randomBytes, randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type {
  APIGatewayAuthorizerResult,
  APIGatewayRequestAuthorizerEvent,
  Context,
} from "aws-lambda";
import { type RawData, type WebSocket, WebSocketServer } from "ws";
import { DEFAULT_TIMEOUT_SECONDS, type FunctionName, STAGE } from "#shared/contract/routes.ts";
import { STREAM_ACTIONS } from "#shared/contract/schemas/stream.ts";
import { refuseHandshake } from "./stream-handshake.ts";

/** API Gateway's WebSocket message limit. */
export const STREAM_MAX_MESSAGE_BYTES = 128 * 1024;
export const STREAM_PATH = `/${STAGE}/stream`;
const METHOD_ARN = `arn:aws:execute-api:local:000000000000:local/${STAGE}/$connect`;

type Handler<E, R> = (event: E, context: Context) => Promise<R>;
type RouteResult = { statusCode?: number } | undefined;

export interface StreamServerOptions {
  loadHandler: <T>(name: FunctionName) => Promise<T>;
  lambdaContext: (name: string, timeoutMs: number) => Context;
}

export interface LocalConnection {
  socket: WebSocket;
  authorizer: Record<string, unknown>;
  connectedAt: number;
  lastActiveAt: number;
  sourceIp: string;
  userAgent: string;
  /** Frames run one after another per connection. */
  queue: Promise<void>;
}

/** An id shaped like API Gateway's connection ids (base64, 12 bytes). */
function newConnectionId(): string {
  return randomBytes(12).toString("base64");
}

export class LocalStreamServer {
  readonly connections = new Map<string, LocalConnection>();
  private readonly server = new WebSocketServer({
    noServer: true,
    maxPayload: STREAM_MAX_MESSAGE_BYTES,
  });

  constructor(private readonly options: StreamServerOptions) {}

  /** The gateway's `upgrade` listener. */
  readonly onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    this.handshake(request, socket, head).catch(() => {
      if (socket.writable) refuseHandshake(socket, 500, "Internal Server Error");
    });
  };

  private requestContext(
    connectionId: string,
    request: IncomingMessage,
    routeKey: string,
    eventType: "CONNECT" | "MESSAGE" | "DISCONNECT",
    connectedAt: number,
  ) {
    const now = Date.now();
    return {
      routeKey,
      eventType,
      messageDirection: "IN",
      extendedRequestId: randomUUID(),
      requestId: randomUUID(),
      requestTime: new Date(now).toUTCString(),
      requestTimeEpoch: now,
      connectedAt,
      stage: STAGE,
      domainName: request.headers.host ?? "127.0.0.1",
      apiId: "local",
      connectionId,
      identity: {
        sourceIp: request.socket.remoteAddress ?? "127.0.0.1",
        userAgent: request.headers["user-agent"] ?? "",
      },
    };
  }

  private async handshake(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(request.url ?? "/", "http://local");
    if (url.pathname !== STREAM_PATH) {
      refuseHandshake(socket, 404, "Not Found");
      return;
    }
    // API Gateway refuses a handshake without the identity source before calling the authorizer.
    if (!url.searchParams.get("ticket")) {
      refuseHandshake(socket, 401, "Unauthorized");
      return;
    }
    const connectionId = newConnectionId();
    const connectedAt = Date.now();
    const headers = Object.fromEntries(
      Object.entries(request.headers).flatMap(([name, value]) =>
        typeof value === "string" ? [[name, value]] : [],
      ),
    );
    const queryStringParameters = Object.fromEntries(url.searchParams);
    const context = this.requestContext(connectionId, request, "$connect", "CONNECT", connectedAt);
    const verdict = await this.authorize(headers, queryStringParameters, context);
    if (typeof verdict === "number") {
      refuseHandshake(socket, verdict, verdict === 401 ? "Unauthorized" : "Forbidden");
      return;
    }
    const connected = await this.route("stream-connection", {
      headers,
      queryStringParameters,
      isBase64Encoded: false,
      requestContext: { ...context, authorizer: verdict },
    });
    if (connected !== 200) {
      refuseHandshake(socket, Math.min(connected, 500), "Connection refused");
      return;
    }
    this.server.handleUpgrade(request, socket, head, (ws) =>
      this.accept(ws, request, connectionId, {
        socket: ws,
        authorizer: verdict,
        connectedAt,
        lastActiveAt: connectedAt,
        sourceIp: context.identity.sourceIp,
        userAgent: context.identity.userAgent,
        queue: Promise.resolve(),
      }),
    );
  }

  /** The $connect authorizer's context, or the status the handshake is refused with. */
  private async authorize(
    headers: Record<string, string>,
    queryStringParameters: Record<string, string>,
    context: ReturnType<LocalStreamServer["requestContext"]>,
  ): Promise<Record<string, unknown> | number> {
    const authorizer =
      await this.options.loadHandler<
        Handler<APIGatewayRequestAuthorizerEvent, APIGatewayAuthorizerResult>
      >("stream-authorizer");
    let verdict: APIGatewayAuthorizerResult;
    try {
      verdict = await authorizer(
        {
          type: "REQUEST",
          methodArn: METHOD_ARN,
          headers,
          multiValueHeaders: {},
          queryStringParameters,
          multiValueQueryStringParameters: {},
          pathParameters: {},
          stageVariables: {},
          requestContext: context as unknown as APIGatewayRequestAuthorizerEvent["requestContext"],
          resource: "$connect",
          path: STREAM_PATH,
          httpMethod: "GET",
        },
        this.context("stream-authorizer"),
      );
    } catch (error) {
      return error instanceof Error && error.message === "Unauthorized" ? 401 : 500;
    }
    const allowed = verdict.policyDocument.Statement.some(
      (statement) =>
        statement.Effect === "Allow" &&
        "Resource" in statement &&
        [statement.Resource].flat().includes(METHOD_ARN),
    );
    return allowed ? { ...verdict.context, principalId: verdict.principalId } : 403;
  }

  /** An open connection: frames run its routes in order, a close runs $disconnect. */
  private accept(
    ws: WebSocket,
    request: IncomingMessage,
    connectionId: string,
    connection: LocalConnection,
  ): void {
    this.connections.set(connectionId, connection);
    ws.on("message", (data: RawData, isBinary: boolean) => {
      connection.lastActiveAt = Date.now();
      const body = isBinary ? Buffer.from(data as Buffer).toString("base64") : data.toString();
      connection.queue = connection.queue.then(() =>
        this.message(request, connectionId, connection, body, isBinary),
      );
    });
    ws.on("close", () => {
      this.connections.delete(connectionId);
      void connection.queue.then(() =>
        this.route("stream-connection", {
          isBase64Encoded: false,
          requestContext: {
            ...this.requestContext(
              connectionId,
              request,
              "$disconnect",
              "DISCONNECT",
              connection.connectedAt,
            ),
            authorizer: connection.authorizer,
            disconnectStatusCode: 1005,
            disconnectReason: "",
          },
        }),
      );
    });
  }

  private async message(
    request: IncomingMessage,
    connectionId: string,
    connection: LocalConnection,
    body: string,
    isBase64Encoded: boolean,
  ): Promise<void> {
    await this.route("stream-messages", {
      body,
      isBase64Encoded,
      requestContext: {
        ...this.requestContext(
          connectionId,
          request,
          routeKeyOf(body),
          "MESSAGE",
          connection.connectedAt,
        ),
        messageId: randomBytes(9).toString("base64"),
        authorizer: connection.authorizer,
      },
    });
  }

  /** Runs a route's function; its status code, or 500 when it failed. */
  private async route(name: FunctionName, event: Record<string, unknown>): Promise<number> {
    try {
      const handler = await this.options.loadHandler<Handler<unknown, RouteResult>>(name);
      const result = await handler(event, this.context(name));
      return result?.statusCode ?? 200;
    } catch {
      return 500;
    }
  }

  private context(name: string): Context {
    return this.options.lambdaContext(name, DEFAULT_TIMEOUT_SECONDS * 1000);
  }

  /** Closes every connection (the stack is stopping). */
  close(): void {
    for (const connection of this.connections.values()) connection.socket.terminate();
    this.connections.clear();
    this.server.close();
  }
}

/** API Gateway's route selection on `$request.body.action`. */
function routeKeyOf(body: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    const action =
      typeof parsed === "object" && parsed !== null && "action" in parsed
        ? parsed.action
        : undefined;
    return (STREAM_ACTIONS as readonly unknown[]).includes(action) ? String(action) : "$default";
  } catch {
    return "$default";
  }
}
