/**
 * What a function that reads the table loads before any code of the
 * project's own: the document client, middy with the Powertools logger's
 * middleware, zod, and the tracer as every function sets it up. Bundled as a
 * function is, its start is the floor under every such function's in
 * `npm run bench -- coldstart`.
 */
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import middy from "@middy/core";
import * as z from "zod";
import { logger } from "#shared/observability.ts";
import { traceHandler } from "#shared/tracing.ts";

const Params = z.object({ id: z.string() });

export const handler = middy()
  .use(injectLambdaContext(logger))
  .use(traceHandler)
  .handler(async (event: unknown) => ({
    params: Params.parse(event),
    loaded: [DynamoDBClient, DynamoDBDocumentClient],
  }));
