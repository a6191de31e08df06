/** The service's name in logs, traces and tags, and the namespace of its metrics. */
export const SERVICE_NAME = "session-trail";
export const METRICS_NAMESPACE = "SessionTrail";
