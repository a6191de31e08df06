/**
 * The push stream's way out: `@connections` (PostToConnection) on the
 * WebSocket stage, at the endpoint the configuration names. Only the
 * functions that push load this SDK client.
 */
import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GoneException,
  PayloadTooLargeException,
  PostToConnectionCommand,
} from "@aws-sdk/client-apigatewaymanagementapi";
import { config, SDK_MAX_ATTEMPTS, streamConnectionsEndpoint } from "../config.ts";
import { requestHandler, withoutSdkLogging, withTracing } from "./clients.ts";

let client: ApiGatewayManagementApiClient | undefined;

function connections(): ApiGatewayManagementApiClient {
  client ??= withoutSdkLogging(
    new ApiGatewayManagementApiClient({
      region: config().AWS_REGION,
      endpoint: streamConnectionsEndpoint(),
      requestHandler: requestHandler(),
      maxAttempts: SDK_MAX_ATTEMPTS,
    }),
  );
  return withTracing(client);
}

/** What became of one message: `gone` (410) means the connection no longer exists. */
export type PostOutcome = "sent" | "gone" | "too_large";

export async function postToConnection(connectionId: string, data: string): Promise<PostOutcome> {
  try {
    await connections().send(
      new PostToConnectionCommand({
        ConnectionId: connectionId,
        Data: new TextEncoder().encode(data),
      }),
    );
    return "sent";
  } catch (error) {
    if (error instanceof GoneException) return "gone";
    if (error instanceof PayloadTooLargeException) return "too_large";
    throw error;
  }
}

/** Closes a connection from the server side; one that is already gone counts as closed. */
export async function closeConnection(connectionId: string): Promise<void> {
  try {
    await connections().send(new DeleteConnectionCommand({ ConnectionId: connectionId }));
  } catch (error) {
    if (!(error instanceof GoneException)) throw error;
  }
}
