/**
 * The push stream on AWS (DESIGN §9): an API Gateway WebSocket API, stage
 * `v1`, whose $connect takes a one-time ticket (Lambda REQUEST authorizer on
 * `route.request.querystring.ticket`), routed by `$request.body.action`; and
 * the fan-out, fed by the table's stream through an event source mapping
 * filtered to event inserts and session removals, in order (one batch per
 * shard at a time), with bounded retries and record age, bisect on error
 * and an encrypted SQS queue for what still fails.
 */
import { type CfnElement, Duration, Stack } from "aws-cdk-lib";
import { AccessLogFormat } from "aws-cdk-lib/aws-apigateway";
import { LogGroupLogDestination, WebSocketApi, WebSocketStage } from "aws-cdk-lib/aws-apigatewayv2";
import { WebSocketLambdaAuthorizer } from "aws-cdk-lib/aws-apigatewayv2-authorizers";
import { WebSocketLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import type { ITable } from "aws-cdk-lib/aws-dynamodb";
import {
  FilterCriteria,
  type Function as LambdaFunction,
  StartingPosition,
} from "aws-cdk-lib/aws-lambda";
import { DynamoEventSource, SqsDlq } from "aws-cdk-lib/aws-lambda-event-sources";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { FUNCTIONS, type FunctionDefinition, STAGE } from "#shared/contract/routes.ts";
import { STREAM_ACTIONS } from "#shared/contract/schemas/stream.ts";
import { STREAM_FILTER_PATTERNS } from "#shared/storage/stream-records.ts";
import { acknowledgeFinding } from "./acknowledge.ts";

/** The stream's identity source: the ticket, never the API key. */
export const TICKET_IDENTITY_SOURCE = "route.request.querystring.ticket";
/** Fan-out retries before a batch goes to the failure queue, and the oldest record it still delivers. */
export const FANOUT_RETRY_ATTEMPTS = 3;
export const FANOUT_MAX_RECORD_AGE = Duration.minutes(5);
/** What the event source mapping grants a function fed by the table's stream (`tableStream`). */
export const STREAM_READ_IAM_ACTIONS = [
  "dynamodb:DescribeStream",
  "dynamodb:GetRecords",
  "dynamodb:GetShardIterator",
  "dynamodb:ListStreams",
] as const;
/** Ceiling for the WebSocket stage (messages and connects per second). */
export const STREAM_STAGE_THROTTLE = { rateLimit: 500, burstLimit: 1000 } as const;

export interface PushStreamProps {
  /** Lambda functions by their name in the route table. */
  functions: ReadonlyMap<string, LambdaFunction>;
  table: ITable;
}

export class PushStream extends Construct {
  readonly api: WebSocketApi;
  readonly stage: WebSocketStage;
  readonly failureQueue: Queue;
  readonly fanOut: LambdaFunction;

  constructor(scope: Construct, id: string, props: PushStreamProps) {
    super(scope, id);
    const fn = (name: keyof typeof FUNCTIONS): LambdaFunction => {
      const found = props.functions.get(name);
      if (!found) throw new Error(`FUNCTIONS needs a "${name}" entry for the push stream.`);
      return found;
    };
    const connection = new WebSocketLambdaIntegration("Connection", fn("stream-connection"));
    const messages = new WebSocketLambdaIntegration("Messages", fn("stream-messages"));
    this.api = new WebSocketApi(this, "Api", {
      description: "Session Trail push stream: new events of the sessions a client subscribes to",
      routeSelectionExpression: "$request.body.action",
      connectRouteOptions: {
        integration: connection,
        authorizer: new WebSocketLambdaAuthorizer("Ticket", fn("stream-authorizer"), {
          identitySource: [TICKET_IDENTITY_SOURCE],
        }),
      },
      disconnectRouteOptions: { integration: connection },
      defaultRouteOptions: { integration: messages },
    });
    for (const action of STREAM_ACTIONS) this.api.addRoute(action, { integration: messages });
    acknowledgeFinding(
      this.api,
      "AwsSolutions-APIG4",
      "A WebSocket API authorizes at $connect only (the ticket authorizer); every later route runs on that authorized connection with the authorizer's context.",
    );

    const accessLogs = new LogGroup(this, "AccessLogs", { retention: RetentionDays.ONE_MONTH });
    this.stage = new WebSocketStage(this, "Stage", {
      webSocketApi: this.api,
      stageName: STAGE,
      autoDeploy: true,
      throttle: STREAM_STAGE_THROTTLE,
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: "$context.requestId",
            connectionId: "$context.connectionId",
            eventType: "$context.eventType",
            routeKey: "$context.routeKey",
            status: "$context.status",
            requestTime: "$context.requestTime",
            integrationLatency: "$context.integrationLatency",
            authorizeError: "$context.authorize.error",
          }),
        ),
      },
    });

    // The ticket answer names the stream; the viewer's CSP allows connecting to it.
    for (const name of ["create-stream-ticket", "viewer"] as const) {
      fn(name).addEnvironment("STREAM_URL", this.stage.url);
    }
    const apiLogicalId = Stack.of(this).getLogicalId(this.api.node.defaultChild as CfnElement);
    const definitions: Record<string, FunctionDefinition> = FUNCTIONS;
    for (const [name, definition] of Object.entries(definitions)) {
      const pusher = props.functions.get(name);
      if (!definition.manageConnections || !pusher) continue;
      pusher.addEnvironment("STREAM_CONNECTIONS_ENDPOINT", this.stage.callbackUrl);
      // execute-api:ManageConnections on this stage's @connections only.
      this.stage.grantManagementApiAccess(pusher);
      if (pusher.role) {
        acknowledgeFinding(
          pusher.role,
          `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<${apiLogicalId}>/${STAGE}/*/@connections/*]`,
          "Connection ids are known only at run time; the grant is ManageConnections on this stage's @connections.",
        );
      }
    }

    this.failureQueue = new Queue(this, "FanOutFailures", {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledgeFinding(
      this.failureQueue,
      "AwsSolutions-SQS3",
      "This queue is the fan-out's on-failure destination (it holds stream batch descriptions); it is a dead-letter queue itself.",
    );
    this.fanOut = fn("stream-fanout");
    if (this.fanOut.role) {
      acknowledgeFinding(
        this.fanOut.role,
        "AwsSolutions-IAM5[Resource::*]",
        "dynamodb:ListStreams, which the stream's event source mapping needs, takes no resource but *; the stream reads themselves are on this table's stream only.",
      );
    }
    this.fanOut.addEventSource(
      new DynamoEventSource(props.table, {
        startingPosition: StartingPosition.LATEST,
        batchSize: 100,
        parallelizationFactor: 1,
        retryAttempts: FANOUT_RETRY_ATTEMPTS,
        maxRecordAge: FANOUT_MAX_RECORD_AGE,
        bisectBatchOnError: true,
        onFailure: new SqsDlq(this.failureQueue),
        filters: STREAM_FILTER_PATTERNS.map((pattern) => FilterCriteria.filter(pattern)),
      }),
    );
  }
}
