/**
 * X-Ray tracing through the Powertools Tracer, loaded only when tracing is on.
 * The tracer brings the X-Ray SDK, which installs async hooks (cls-hooked)
 * that cost every promise of every request; a process where tracing is off
 * (outside Lambda: the local stack, tests, tools; or
 * POWERTOOLS_TRACE_ENABLED=false, which `-c tracing=false` sets) never
 * evaluates it. The rule is the one the Tracer itself applies: on inside
 * Lambda (AWS_EXECUTION_ENV set, not SAM or Amplify mocks) unless turned off.
 */
import type { Tracer } from "@aws-lambda-powertools/tracer";
import type { MiddlewareObj } from "@middy/core";
import { SERVICE_NAME } from "./metric-names.ts";

/** Whether this process records X-Ray segments (read once, at start). */
export function tracingEnabled(env: Record<string, string | undefined> = process.env): boolean {
  if ((env.POWERTOOLS_TRACE_ENABLED ?? "").toLowerCase() === "false") return false;
  const executionEnv = env.AWS_EXECUTION_ENV ?? "";
  if (executionEnv === "" || executionEnv === "AWS_Lambda_amplify-mock") return false;
  return (env.AWS_SAM_LOCAL ?? "") === "";
}

async function loadTracer(): Promise<Tracer> {
  const { Tracer } = await import("@aws-lambda-powertools/tracer");
  return new Tracer({ serviceName: SERVICE_NAME });
}

async function loadMiddleware(tracer: Tracer): Promise<MiddlewareObj> {
  const { captureLambdaHandler } = await import("@aws-lambda-powertools/tracer/middleware");
  // Responses hold tenant data: traces keep timings and errors only.
  return captureLambdaHandler(tracer, { captureResponse: false });
}

/** The process's tracer, or undefined when tracing is off. */
export const tracer: Tracer | undefined = tracingEnabled() ? await loadTracer() : undefined;

/** The middy middleware that opens a handler's segment: none when tracing is off. */
export const traceHandler: MiddlewareObj[] = tracer ? [await loadMiddleware(tracer)] : [];

/** Each call of an SDK client becomes an X-Ray subsegment when tracing is on. */
export function traceClient<Client extends object>(client: Client): Client {
  return tracer ? tracer.captureAWSv3Client(client) : client;
}
