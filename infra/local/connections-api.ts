/**
 * API Gateway's `@connections` management API for the local push stream:
 * POST (send a message), GET (connection info) and DELETE (close), on an
 * endpoint of its own that the functions' ApiGatewayManagementApi client
 * reaches through STREAM_CONNECTIONS_ENDPOINT. Errors carry the type the
 * SDK maps to its exceptions (GoneException 410, PayloadTooLargeException 413).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { STAGE } from "#shared/contract/routes.ts";
import { type LocalConnection, STREAM_MAX_MESSAGE_BYTES } from "./stream-server.ts";

function answerError(
  response: ServerResponse,
  status: number,
  type: string,
  message: string,
): void {
  response.writeHead(status, { "Content-Type": "application/json", "x-amzn-ErrorType": type });
  response.end(JSON.stringify({ message }));
}

async function readBody(request: IncomingMessage, limit: number): Promise<Buffer | "too_large"> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limit) return "too_large";
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

export class LocalConnectionsApi {
  private server: Server | undefined;
  /** Messages posted, for the bench's count of what the stream delivered. */
  posted = 0;

  constructor(private readonly connections: ReadonlyMap<string, LocalConnection>) {}

  /** Starts listening; answers the endpoint to configure (`http://127.0.0.1:PORT/v1`). */
  async listen(): Promise<string> {
    const server = createServer((request, response) => {
      this.handle(request, response).catch(() => {
        if (!response.headersSent)
          answerError(response, 500, "InternalServerErrorException", "Internal error");
      });
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address() as AddressInfo;
    return `http://127.0.0.1:${address.port}/${STAGE}`;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = new URL(request.url ?? "/", "http://local").pathname;
    const match = /\/@connections\/([^/]+)$/.exec(path);
    if (!match?.[1]) {
      answerError(response, 404, "NotFoundException", "No such resource.");
      return;
    }
    const connectionId = decodeURIComponent(match[1]);
    const connection = this.connections.get(connectionId);
    if (request.method === "POST") {
      const body = await readBody(request, STREAM_MAX_MESSAGE_BYTES);
      if (body === "too_large") {
        answerError(response, 413, "PayloadTooLargeException", "Message too long");
        return;
      }
      if (!connection || connection.socket.readyState !== connection.socket.OPEN) {
        answerError(response, 410, "GoneException", "");
        return;
      }
      await new Promise<void>((resolve, reject) =>
        connection.socket.send(body.toString("utf8"), (error) =>
          error ? reject(error) : resolve(),
        ),
      ).catch(() => undefined);
      this.posted += 1;
      response.writeHead(200).end();
      return;
    }
    request.resume();
    if (!connection) {
      answerError(response, 410, "GoneException", "");
      return;
    }
    if (request.method === "DELETE") {
      connection.socket.close(1000);
      response.writeHead(204).end();
      return;
    }
    if (request.method === "GET") {
      response.writeHead(200, { "Content-Type": "application/json" });
      response.end(
        JSON.stringify({
          ConnectedAt: new Date(connection.connectedAt).toISOString(),
          LastActiveAt: new Date(connection.lastActiveAt).toISOString(),
          Identity: { SourceIp: connection.sourceIp, UserAgent: connection.userAgent },
        }),
      );
      return;
    }
    answerError(response, 405, "BadRequestException", "Method not allowed.");
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
