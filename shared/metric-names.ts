/**
 * The service's own metrics (CloudWatch EMF), named once: the functions
 * record them through `recordMetric`, and the stack's dashboard graphs every
 * one of them. Kept free of SDK and Powertools imports so the CDK app can
 * read it at synth.
 */
export const METRIC_NAMESPACE = "SessionTrail";
export const SERVICE_NAME = "session-trail";
/** Powertools adds the service as a dimension to every metric it emits. */
export const METRIC_DIMENSIONS = { service: SERVICE_NAME } as const;

export type MetricUnitName = "Count" | "Milliseconds";

export const METRICS = {
  SessionsStarted: { unit: "Count", what: "sessions started (not idempotent replays)" },
  StartConflicts: { unit: "Count", what: "starts refused: the user had an open session" },
  SessionsUpdated: { unit: "Count", what: "updates that changed a session" },
  SessionsPaused: { unit: "Count", what: "sessions paused" },
  SessionsResumed: { unit: "Count", what: "sessions resumed" },
  SessionsEnded: { unit: "Count", what: "sessions ended by a caller" },
  SessionsExpired: { unit: "Count", what: "sessions closed by the expiry job" },
  ExpiryFailures: { unit: "Count", what: "sessions the expiry job failed to close" },
  EventsAppended: { unit: "Count", what: "events appended" },
  EventPolls: { unit: "Count", what: "event reads (polls)" },
  InvestigateDuration: { unit: "Milliseconds", what: "time to answer an investigation" },
  AuthorizerDenials: { unit: "Count", what: "API keys the authorizer refused" },
  StreamTicketDenials: {
    unit: "Count",
    what: "stream connects refused: ticket reused, expired or forged",
  },
  StreamMessagesSent: { unit: "Count", what: "push messages the fan-out posted to connections" },
  StreamGoneConnections: { unit: "Count", what: "connections found gone (410) and cleared" },
  StreamDeliveryFailures: { unit: "Count", what: "push messages that failed other than gone" },
  StreamGaps: { unit: "Count", what: "gap notices sent in place of events" },
} as const satisfies Record<string, { unit: MetricUnitName; what: string }>;

export type MetricName = keyof typeof METRICS;
