/**
 * One logger and one metrics emitter per process (Powertools). JSON log
 * lines carry the request id, tenant, key id and session id; keys are reset
 * between invocations so nothing leaks from one request into the next.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { METRICS_NAMESPACE, SERVICE_NAME } from "./service.ts";

export const logger = new Logger({ serviceName: SERVICE_NAME });

export const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });

export { MetricUnit };
