/**
 * One logger, one metrics emitter and one tracer per process (Powertools).
 * JSON log lines carry the request id, tenant, key id and session id; keys are
 * reset between invocations so nothing leaks from one request into the next.
 * The tracer records X-Ray segments only inside Lambda (Powertools reads
 * AWS_EXECUTION_ENV), so local runs and tests send nothing;
 * POWERTOOLS_TRACE_ENABLED=false turns it off in Lambda too.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { Tracer } from "@aws-lambda-powertools/tracer";
import { METRIC_NAMESPACE, METRICS, type MetricName, SERVICE_NAME } from "./metric-names.ts";

export { SERVICE_NAME };

export const logger = new Logger({ serviceName: SERVICE_NAME });

export const metrics = new Metrics({ namespace: METRIC_NAMESPACE, serviceName: SERVICE_NAME });

/** Records one of the service's metrics (see metric-names.ts) in its unit. */
export function recordMetric(name: MetricName, value: number): void {
  metrics.addMetric(name, MetricUnit[METRICS[name].unit], value);
}

export const tracer = new Tracer({ serviceName: SERVICE_NAME });

export { MetricUnit };
