/**
 * The local push stream, put together: the WebSocket server on the
 * gateway's port, the `@connections` endpoint the functions post to, and the
 * stream poller that runs the fan-out function, watched by the supervisor
 * (a poller that ends is started again, and /health names it meanwhile).
 */
import type { Context, DynamoDBStreamEvent } from "aws-lambda";
import type { FunctionName } from "#shared/contract/routes.ts";
import { LocalConnectionsApi } from "./connections-api.ts";
import { lambdaContext } from "./gateway/functions.ts";
import { StreamPoller } from "./stream-poller.ts";
import { LocalStreamServer } from "./stream-server.ts";
import type { Supervisor } from "./supervisor.ts";

/** The fan-out's timeout (FUNCTIONS["stream-fanout"]), as Lambda would apply it. */
const FANOUT_TIMEOUT_MS = 60_000;

export interface LocalPushStream {
  server: LocalStreamServer;
  connections: LocalConnectionsApi;
  poller: StreamPoller;
  stop: () => Promise<void>;
}

export async function startPushStream(options: {
  dynamodbEndpoint: string;
  region: string;
  tableName: string;
  loadHandler: <T>(name: FunctionName) => Promise<T>;
  supervisor: Supervisor;
}): Promise<LocalPushStream> {
  const server = new LocalStreamServer({ loadHandler: options.loadHandler, lambdaContext });
  const connections = new LocalConnectionsApi(server.connections);
  process.env.STREAM_CONNECTIONS_ENDPOINT = await connections.listen();
  const poller = new StreamPoller({
    endpoint: options.dynamodbEndpoint,
    region: options.region,
    tableName: options.tableName,
    log: (line) => console.error(line),
    wanted: () => server.connections.size > 0,
    deliver: async (event) => {
      const fanOut =
        await options.loadHandler<
          (event: DynamoDBStreamEvent, context: Context) => Promise<unknown>
        >("stream-fanout");
      await fanOut(event, lambdaContext("stream-fanout", FANOUT_TIMEOUT_MS));
    },
  });
  await poller.start();
  options.supervisor.watch(
    { label: "stream poller", dependency: "stream", start: () => poller.start() },
    poller,
  );
  return {
    server,
    connections,
    poller,
    stop: async () => {
      poller.destroy();
      server.close();
      await connections.close();
    },
  };
}
