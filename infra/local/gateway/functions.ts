/**
 * The functions as a local Lambda runtime runs them: each handler module
 * loaded once (a cold start), called with a Lambda context, and cut off by
 * a timer at its timeout, capped by the integration's as API Gateway does.
 */
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import {
  DEFAULT_TIMEOUT_SECONDS,
  FUNCTIONS,
  type FunctionName,
  INTEGRATION_TIMEOUT_SECONDS,
} from "#shared/contract/routes.ts";
import { Refusal } from "./refusal.ts";

const INTEGRATION_TIMEOUT_MS = INTEGRATION_TIMEOUT_SECONDS * 1000;

type ProxyHandler = (
  event: APIGatewayProxyEvent,
  context: Context,
) => Promise<APIGatewayProxyResult>;

const ignored = (): undefined => undefined;

export function lambdaContext(functionName: string, timeoutMs: number): Context {
  const started = Date.now();
  // One closure per call: the rest is shared, as each request builds a context.
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
    done: ignored,
    fail: ignored,
    succeed: ignored,
  };
}

function timeoutMsOf(name: FunctionName): number {
  const definition = FUNCTIONS[name] as { timeoutSeconds?: number };
  return Math.min(
    (definition.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000,
    INTEGRATION_TIMEOUT_MS,
  );
}

export class FunctionHost {
  private readonly handlers = new Map<FunctionName, Promise<unknown>>();

  constructor(private readonly functionsDir: string) {}

  /** Loads a function's handler module once, as Lambda would on a cold start. */
  async load<T>(name: FunctionName): Promise<T> {
    let loading = this.handlers.get(name);
    if (!loading) {
      const file = join(this.functionsDir, name, "handler.ts");
      loading = import(pathToFileURL(file).href).then(
        (module: { handler: unknown }) => module.handler,
      );
      this.handlers.set(name, loading);
    }
    return (await loading) as T;
  }

  /** Runs the function under its timeout; a timeout is a 504, a throw a 502. */
  async invoke(
    name: FunctionName,
    event: APIGatewayProxyEvent,
  ): Promise<APIGatewayProxyResult | Refusal> {
    const timeoutMs = timeoutMsOf(name);
    const handler = await this.load<ProxyHandler>(name);
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
}
