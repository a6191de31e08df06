/**
 * One side of `npm run bench -- tracing`: the get-session handler, loaded in
 * this process with whatever tracing the environment says, called on request
 * of the parent (`{ calls }`) that many times in a row; answers the CPU it took.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import { lambdaContext } from "#infra/local/gateway/functions.ts";

type Handler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

const [sessionId = "", tenant = ""] = process.argv.slice(2);
const { handler } = (await import("../../functions/get-session/handler.ts")) as {
  handler: Handler;
};

function request(): APIGatewayProxyEvent {
  return {
    httpMethod: "GET",
    resource: "/sessions/{id}",
    path: `/sessions/${sessionId}`,
    pathParameters: { id: sessionId },
    headers: {},
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    stageVariables: null,
    body: null,
    isBase64Encoded: false,
    requestContext: {
      authorizer: { tenant_id: tenant, key_id: "bench", role: "admin", scope: "tenant" },
      requestTimeEpoch: Date.now(),
    },
  } as unknown as APIGatewayProxyEvent;
}

process.on("message", async (message: { calls: number }) => {
  const cpu = process.cpuUsage();
  let failed = 0;
  for (let call = 0; call < message.calls; call += 1) {
    const answer = await handler(request(), lambdaContext("get-session", 10_000));
    if (answer.statusCode !== 200) failed += 1;
  }
  const used = process.cpuUsage(cpu);
  process.send?.({ cpuMs: (used.user + used.system) / 1000, failed });
});
process.send?.({ ready: true });
