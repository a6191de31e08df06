/**
 * The push stream's AWS side, asserted on the synthesized template (no AWS
 * account needed): the WebSocket API and its routes, the ticket authorizer,
 * the stage, the table's stream, the fan-out's filtered, ordered, bounded
 * event source mapping with its encrypted failure queue, least privilege for
 * the functions that push, and the alarms.
 */
import { App } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { FANOUT_RETRY_ATTEMPTS, TICKET_IDENTITY_SOURCE } from "#infra/constructs/stream.ts";
import { SessionTrailStack } from "#infra/stack.ts";
import { STAGE } from "#shared/contract/routes.ts";
import { EVENT_SK_PREFIX, SESSION_SK } from "#shared/storage/keys.ts";

type Props = Record<string, unknown>;
interface Resource {
  Type: string;
  Properties: Props;
}
interface Statement {
  Action: string | string[];
  Resource: unknown;
}

let template: Template;
let resources: Record<string, Resource>;

beforeAll(() => {
  // Assertions read the template only: bundling is skipped.
  const app = new App({ context: { "aws:cdk:bundling-stacks": [] } });
  template = Template.fromStack(new SessionTrailStack(app, "StreamAssertions"));
  resources = template.toJSON().Resources as Record<string, Resource>;
});

function resource(id: string): Resource {
  const found = resources[id];
  if (!found) throw new Error(`no resource ${id}`);
  return found;
}

function functionId(description: string): string {
  const found = Object.entries(resources).find(
    ([, resource]) =>
      resource.Type === "AWS::Lambda::Function" && resource.Properties.Description === description,
  );
  if (!found) throw new Error(`no function described as ${description}`);
  return found[0];
}

function roleStatements(functionDescription: string): Statement[] {
  const fn = resource(functionId(functionDescription));
  const role = (fn.Properties.Role as { "Fn::GetAtt": [string, string] })["Fn::GetAtt"][0];
  return Object.values(resources)
    .filter(
      (resource) =>
        resource.Type === "AWS::IAM::Policy" &&
        (resource.Properties.Roles as { Ref: string }[]).some((ref) => ref.Ref === role),
    )
    .flatMap(
      (policy) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement,
    );
}

const actionsOf = (statements: Statement[]) => statements.flatMap((s) => [s.Action].flat());

describe("the WebSocket API", () => {
  it("routes by the frame's action, with $connect, $disconnect, $default and the three actions", () => {
    template.hasResourceProperties("AWS::ApiGatewayV2::Api", {
      ProtocolType: "WEBSOCKET",
      RouteSelectionExpression: "$request.body.action",
    });
    const keys = Object.values(resources)
      .filter((resource) => resource.Type === "AWS::ApiGatewayV2::Route")
      .map((resource) => resource.Properties.RouteKey)
      .sort();
    expect(keys).toEqual([
      "$connect",
      "$default",
      "$disconnect",
      "ping",
      "subscribe",
      "unsubscribe",
    ]);
  });

  it("authorizes $connect with a REQUEST authorizer on the ticket query parameter", () => {
    template.hasResourceProperties("AWS::ApiGatewayV2::Authorizer", {
      AuthorizerType: "REQUEST",
      IdentitySource: [TICKET_IDENTITY_SOURCE],
    });
    template.hasResourceProperties("AWS::ApiGatewayV2::Route", {
      RouteKey: "$connect",
      AuthorizationType: "CUSTOM",
      AuthorizerId: Match.anyValue(),
    });
  });

  it(`deploys stage ${STAGE} with access logs and a throttle`, () => {
    template.hasResourceProperties("AWS::ApiGatewayV2::Stage", {
      StageName: STAGE,
      AutoDeploy: true,
      AccessLogSettings: {
        DestinationArn: Match.anyValue(),
        Format: Match.stringLikeRegexp("connectionId"),
      },
      DefaultRouteSettings: {
        ThrottlingRateLimit: Match.anyValue(),
        ThrottlingBurstLimit: Match.anyValue(),
      },
    });
  });

  it("tells the ticket function the stream URL and the pushing functions the @connections endpoint", () => {
    const env = (description: string) =>
      (resource(functionId(description)).Properties.Environment as { Variables: Props }).Variables;
    expect(env("A single-use ticket for the push stream")).toHaveProperty("STREAM_URL");
    for (const description of [
      "WebSocket subscribe, unsubscribe and ping; sends the backlog",
      "DynamoDB Streams to subscribers: posts new events to their connections",
    ]) {
      expect(env(description)).toHaveProperty("STREAM_CONNECTIONS_ENDPOINT");
    }
  });
});

describe("the fan-out", () => {
  it("reads the table's stream of new images", () => {
    template.hasResourceProperties("AWS::DynamoDB::Table", {
      StreamSpecification: { StreamViewType: "NEW_IMAGE" },
    });
  });

  it("is fed in order, filtered to event inserts and session removals, with bounded retries, bisect and a failure queue", () => {
    template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      StartingPosition: "LATEST",
      ParallelizationFactor: 1,
      MaximumRetryAttempts: FANOUT_RETRY_ATTEMPTS,
      MaximumRecordAgeInSeconds: 300,
      BisectBatchOnFunctionError: true,
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
    });
    const mapping = Object.values(resources).find(
      (candidate) => candidate.Type === "AWS::Lambda::EventSourceMapping",
    );
    if (!mapping) throw new Error("no event source mapping");
    const patterns = (
      mapping.Properties.FilterCriteria as { Filters: { Pattern: string }[] }
    ).Filters.map((filter) => JSON.parse(filter.Pattern));
    expect(patterns).toEqual([
      { eventName: ["INSERT"], dynamodb: { Keys: { sk: { S: [{ prefix: EVENT_SK_PREFIX }] } } } },
      { eventName: ["REMOVE"], dynamodb: { Keys: { sk: { S: [SESSION_SK] } } } },
    ]);
  });

  it("sends failures to an encrypted queue that refuses plain HTTP", () => {
    template.hasResourceProperties("AWS::SQS::Queue", { SqsManagedSseEnabled: true });
    template.hasResourceProperties("AWS::SQS::QueuePolicy", {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: "Deny",
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          }),
        ]),
      },
    });
  });

  it("may manage connections, read subscriptions and clear them, and nothing more", () => {
    const actions = new Set(
      actionsOf(
        roleStatements("DynamoDB Streams to subscribers: posts new events to their connections"),
      ),
    );
    expect(actions).toContain("execute-api:ManageConnections");
    for (const forbidden of [
      "dynamodb:PutItem",
      "dynamodb:BatchWriteItem",
      "dynamodb:*",
      "s3:GetObject",
      "s3:PutObject",
    ]) {
      expect(actions).not.toContain(forbidden);
    }
    const manage = roleStatements(
      "DynamoDB Streams to subscribers: posts new events to their connections",
    ).find((statement) => [statement.Action].flat().includes("execute-api:ManageConnections"));
    expect(JSON.stringify(manage?.Resource)).toContain(`/${STAGE}/*/@connections/*`);
  });

  it("leaves the authorizer only the ticket's conditional delete", () => {
    const actions = actionsOf(
      roleStatements("WebSocket $connect authorizer: consumes the ticket (conditional delete)"),
    ).filter((action) => action.startsWith("dynamodb:"));
    expect(actions).toEqual(["dynamodb:DeleteItem"]);
  });

  it("raises alarms on iterator age, errors and failed batches", () => {
    for (const pattern of [
      /behind the table's stream/,
      /fan-out failed batches/,
      /failure queue/,
    ]) {
      template.hasResourceProperties("AWS::CloudWatch::Alarm", {
        AlarmDescription: Match.stringLikeRegexp(pattern.source),
      });
    }
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      MetricName: "IteratorAge",
      Statistic: "Maximum",
    });
  });
});
