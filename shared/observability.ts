/**
 * One logger and one metrics emitter per process. JSON log lines (Powertools
 * Logger) carry the request id, tenant, key id and session id; keys are
 * reset between invocations so nothing leaks from one request into the next.
 * Metrics are EMF lines (emf.ts). The tracer is in tracing.ts, loaded only
 * where tracing is on.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { EmfMetrics } from "./emf.ts";
import { type MetricName, SERVICE_NAME } from "./metric-names.ts";

export { SERVICE_NAME };

export const logger = new Logger({ serviceName: SERVICE_NAME });

export const metrics = new EmfMetrics();

/** Records one of the service's metrics (see metric-names.ts) in its unit. */
export function recordMetric(name: MetricName, value: number): void {
  metrics.add(name, value);
}
