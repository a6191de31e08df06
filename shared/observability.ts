/**
 * One logger and one metrics emitter per process (Powertools). JSON log lines
 * carry the request id, tenant, key id and session id; keys are reset between
 * invocations so nothing leaks from one request into the next. The tracer is
 * in tracing.ts, loaded only where tracing is on.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { METRIC_NAMESPACE, METRICS, type MetricName, SERVICE_NAME } from "./metric-names.ts";

export { SERVICE_NAME };

export const logger = new Logger({ serviceName: SERVICE_NAME });

export const metrics = new Metrics({ namespace: METRIC_NAMESPACE, serviceName: SERVICE_NAME });

/** Records one of the service's metrics (see metric-names.ts) in its unit. */
export function recordMetric(name: MetricName, value: number): void {
  metrics.addMetric(name, MetricUnit[METRICS[name].unit], value);
}

export { MetricUnit };
