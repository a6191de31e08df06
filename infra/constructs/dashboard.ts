/**
 * The service's CloudWatch dashboard: what a scrape of the container design's
 * `/metrics` showed, from the sources a serverless stack has. API Gateway's
 * detailed metrics give each route's requests, latency, 4xx and 5xx (by
 * method and resource, one widget per route of the route table); the
 * functions' EMF metrics give sessions, events, investigations and denied
 * keys (every metric of metric-names.ts); Lambda gives errors and throttles.
 */
import { Duration, Stack } from "aws-cdk-lib";
import type { RestApi } from "aws-cdk-lib/aws-apigateway";
import {
  Dashboard,
  GraphWidget,
  type IWidget,
  Metric,
  TextWidget,
} from "aws-cdk-lib/aws-cloudwatch";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { Construct } from "constructs";
import { ROUTES, type RouteDefinition, STAGE } from "#shared/contract/routes.ts";
import {
  METRIC_DIMENSIONS,
  METRIC_NAMESPACE,
  METRICS,
  type MetricName,
} from "#shared/metric-names.ts";
import type { PushStream } from "./stream.ts";

export interface ServiceDashboardProps {
  api: RestApi;
  /** Every function by its folder name. */
  functions: ReadonlyMap<string, IFunction>;
  /** The push stream: its fan-out's iterator age beside the stream metrics. */
  pushStream?: PushStream;
}

const PERIOD = Duration.minutes(1);
const WIDE = 24;
const HALF = 12;
const THIRD = 8;

/** EMF metrics grouped as a reader looks for them. */
const SERVICE_GRAPHS: readonly { title: string; names: readonly MetricName[]; stat: string }[] = [
  {
    title: "Session lifecycle (per minute)",
    names: [
      "SessionsStarted",
      "SessionsUpdated",
      "SessionsPaused",
      "SessionsResumed",
      "SessionsEnded",
      "SessionsExpired",
    ],
    stat: "Sum",
  },
  { title: "Events (per minute)", names: ["EventsAppended", "EventPolls"], stat: "Sum" },
  {
    title: "Refusals and failures (per minute)",
    names: ["StartConflicts", "AuthorizerDenials", "ExpiryFailures"],
    stat: "Sum",
  },
  {
    title: "Push stream (per minute)",
    names: [
      "StreamMessagesSent",
      "StreamGoneConnections",
      "StreamDeliveryFailures",
      "StreamGaps",
      "StreamTicketDenials",
    ],
    stat: "Sum",
  },
];

export class ServiceDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: ServiceDashboardProps) {
    super(scope, id);
    this.dashboard = new Dashboard(this, "Dashboard", {
      dashboardName: `${Stack.of(this).stackName}-service`,
      defaultInterval: Duration.hours(3),
    });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown:
          "# Session Trail\nPer-route requests, latency, 4xx and 5xx from API Gateway; sessions, events and investigations from the functions' EMF metrics (namespace `SessionTrail`). Session counts by status: `GET /v1/statistics`.",
        width: WIDE,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(...apiOverview(props.api));
    this.dashboard.addWidgets(...serviceWidgets());
    this.dashboard.addWidgets(...functionWidgets(props.functions));
    if (props.pushStream) {
      this.dashboard.addWidgets(
        new GraphWidget({
          title: "Push stream fan-out: iterator age (max, ms)",
          left: [
            props.pushStream.fanOut.metric("IteratorAge", { period: PERIOD, statistic: "Maximum" }),
          ],
          width: WIDE,
        }),
      );
    }
    this.dashboard.addWidgets(
      ...(ROUTES as readonly RouteDefinition[]).map((route) => routeWidget(props.api, route)),
    );
  }
}

function apiOverview(api: RestApi): IWidget[] {
  return [
    new GraphWidget({
      title: "API requests, 4xx and 5xx (all routes)",
      left: [api.metricCount({ period: PERIOD, statistic: "Sum", label: "requests" })],
      right: [
        api.metricClientError({ period: PERIOD, statistic: "Sum", label: "4xx" }),
        api.metricServerError({ period: PERIOD, statistic: "Sum", label: "5xx" }),
      ],
      width: HALF,
    }),
    new GraphWidget({
      title: "API latency (all routes, ms)",
      left: ["p50", "p90", "p99"].map((statistic) =>
        api.metricLatency({ period: PERIOD, statistic, label: statistic }),
      ),
      width: HALF,
    }),
  ];
}

function serviceMetric(name: MetricName, statistic: string, label?: string): Metric {
  return new Metric({
    namespace: METRIC_NAMESPACE,
    metricName: name,
    dimensionsMap: { ...METRIC_DIMENSIONS },
    statistic,
    period: PERIOD,
    label: label ?? name,
  });
}

function serviceWidgets(): IWidget[] {
  const graphed = new Set<MetricName>(SERVICE_GRAPHS.flatMap((graph) => graph.names));
  graphed.add("InvestigateDuration");
  const missing = (Object.keys(METRICS) as MetricName[]).filter((name) => !graphed.has(name));
  if (missing.length) throw new Error(`The dashboard graphs no ${missing.join(", ")}.`);
  return [
    ...SERVICE_GRAPHS.map(
      (graph) =>
        new GraphWidget({
          title: graph.title,
          left: graph.names.map((name) => serviceMetric(name, graph.stat)),
          width: THIRD,
        }),
    ),
    new GraphWidget({
      title: "Investigate duration (ms)",
      left: ["p50", "p90", "p99"].map((statistic) =>
        serviceMetric("InvestigateDuration", statistic, `InvestigateDuration ${statistic}`),
      ),
      width: THIRD,
    }),
  ];
}

function functionWidgets(functions: ReadonlyMap<string, IFunction>): IWidget[] {
  const entries = [...functions.entries()];
  return [
    new GraphWidget({
      title: "Function errors (per minute)",
      left: entries.map(([name, fn]) => fn.metricErrors({ period: PERIOD, label: name })),
      width: HALF,
    }),
    new GraphWidget({
      title: "Function throttles (per minute)",
      left: entries.map(([name, fn]) => fn.metricThrottles({ period: PERIOD, label: name })),
      width: HALF,
    }),
  ];
}

/** API Gateway's per-method metric of one route (detailed metrics are on for the stage). */
function routeMetric(api: RestApi, route: RouteDefinition, name: string, statistic: string) {
  return new Metric({
    namespace: "AWS/ApiGateway",
    metricName: name,
    dimensionsMap: {
      ApiName: api.restApiName,
      Stage: STAGE,
      Method: route.method,
      Resource: route.path,
    },
    statistic,
    period: PERIOD,
    label: name === "Latency" ? `latency ${statistic}` : name,
  });
}

function routeWidget(api: RestApi, route: RouteDefinition): IWidget {
  return new GraphWidget({
    title: `${route.method} ${route.path}`,
    left: ["p50", "p99"].map((statistic) => routeMetric(api, route, "Latency", statistic)),
    right: [
      routeMetric(api, route, "Count", "Sum"),
      routeMetric(api, route, "4XXError", "Sum"),
      routeMetric(api, route, "5XXError", "Sum"),
    ],
    leftYAxis: { label: "ms", showUnits: false },
    rightYAxis: { label: "requests", showUnits: false },
    width: THIRD,
  });
}
