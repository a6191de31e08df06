/**
 * Stack assertions for what the other cdk-nag packs found real: the expiry
 * job's failed runs go to a queue and runs never overlap, the table cannot be
 * deleted by accident, and the optional web ACL logs what it sees.
 */
import { App } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { SessionTrailStack } from "#infra/stack.ts";

type Props = Record<string, unknown>;

function template(context: Record<string, unknown> = {}): Template {
  // The assertions read the template only, so bundling is skipped.
  const app = new App({ context: { "aws:cdk:bundling-stacks": [], ...context } });
  return Template.fromStack(new SessionTrailStack(app, "SessionTrailHardening"));
}

function resourcesOf(from: Template, type: string): [string, Props][] {
  return Object.entries(from.findResources(type)).map(([id, resource]) => [
    id,
    (resource as { Properties?: Props }).Properties ?? {},
  ]);
}

function only(from: Template, type: string): [string, Props] {
  const found = resourcesOf(from, type);
  expect(found, type).toHaveLength(1);
  return found[0] ?? ["", {}];
}

/** The queue the expiry job's failed runs go to (the stack has others, e.g. the push fan-out's). */
function expireQueue(from: Template): [string, Props] {
  const [, invokeConfig] = only(from, "AWS::Lambda::EventInvokeConfig");
  const destination = JSON.stringify(invokeConfig.DestinationConfig);
  const found = resourcesOf(from, "AWS::SQS::Queue").filter(([id]) =>
    destination.includes(`"${id}"`),
  );
  expect(found, "the expiry job's queue").toHaveLength(1);
  return found[0] ?? ["", {}];
}

describe("the stack's safeguards", () => {
  let stack: Template;
  let expireId: string;

  beforeAll(() => {
    stack = template();
    const functions = resourcesOf(stack, "AWS::Lambda::Function");
    expireId = functions.find(([id]) => id.startsWith("ExpireFunction"))?.[0] ?? "";
  });

  it("protects the table from deletion, on top of point-in-time recovery and RETAIN", () => {
    const tables = stack.findResources("AWS::DynamoDB::Table");
    const [table] = Object.values(tables) as { DeletionPolicy: string; Properties: Props }[];
    expect(Object.keys(tables)).toHaveLength(1);
    expect(table?.DeletionPolicy).toBe("Retain");
    expect(table?.Properties.DeletionProtectionEnabled).toBe(true);
    expect(table?.Properties.PointInTimeRecoverySpecification).toEqual({
      PointInTimeRecoveryEnabled: true,
    });
  });

  it("runs the expiry job one invocation at a time, and nothing else is limited", () => {
    for (const [id, props] of resourcesOf(stack, "AWS::Lambda::Function")) {
      expect(props.ReservedConcurrentExecutions, id).toBe(id === expireId ? 1 : undefined);
    }
  });

  it("does not retry a failed expiry run and sends it to an encrypted, TLS-only queue", () => {
    const [, invokeConfig] = only(stack, "AWS::Lambda::EventInvokeConfig");
    const [queueId, queue] = expireQueue(stack);
    expect(invokeConfig.FunctionName).toEqual({ Ref: expireId });
    expect(invokeConfig.MaximumRetryAttempts).toBe(0);
    expect(invokeConfig.MaximumEventAgeInSeconds).toBeGreaterThanOrEqual(60);
    expect(invokeConfig.MaximumEventAgeInSeconds).toBeLessThanOrEqual(300);
    expect(invokeConfig.DestinationConfig).toEqual({
      OnFailure: { Destination: { "Fn::GetAtt": [queueId, "Arn"] } },
    });
    expect(queue.SqsManagedSseEnabled).toBe(true);
    expect(queue.MessageRetentionPeriod).toBe(14 * 24 * 3600);
    const policies = resourcesOf(stack, "AWS::SQS::QueuePolicy").filter(([, props]) =>
      JSON.stringify(props.Queues).includes(`"${queueId}"`),
    );
    expect(policies).toHaveLength(1);
    const [[, policy] = ["", {}]] = policies;
    expect(JSON.stringify(policy.PolicyDocument)).toContain('"aws:SecureTransport":"false"');
  });

  it("sends a scheduled run EventBridge could not deliver to the same queue", () => {
    const [, rule] = only(stack, "AWS::Events::Rule");
    const [queueId] = expireQueue(stack);
    const [target] = rule.Targets as Props[];
    expect(target?.DeadLetterConfig).toEqual({ Arn: { "Fn::GetAtt": [queueId, "Arn"] } });
    expect(target?.RetryPolicy).toEqual({ MaximumRetryAttempts: 0 });
  });

  it("alarms to the alarm topic when a failed expiry run is waiting in the queue", () => {
    const [queueId] = expireQueue(stack);
    const [topicId] = only(stack, "AWS::SNS::Topic");
    const alarms = resourcesOf(stack, "AWS::CloudWatch::Alarm").filter(
      ([, props]) =>
        props.MetricName === "ApproximateNumberOfMessagesVisible" &&
        JSON.stringify(props.Dimensions).includes(`"${queueId}"`),
    );
    expect(alarms).toHaveLength(1);
    const [[, alarm] = ["", {}]] = alarms;
    expect(alarm.Namespace).toBe("AWS/SQS");
    expect(JSON.stringify(alarm.Dimensions)).toContain(`"${queueId}","QueueName"`);
    expect(alarm.Threshold).toBe(0);
    expect(alarm.ComparisonOperator).toBe("GreaterThanThreshold");
    expect(alarm.AlarmActions).toEqual([{ Ref: topicId }]);
  });

  it("has no web ACL logging without the web ACL", () => {
    expect(resourcesOf(stack, "AWS::WAFv2::LoggingConfiguration")).toEqual([]);
  });
});

describe("the web ACL's logging (wafRateLimitPer5Min set)", () => {
  let waf: Template;

  beforeAll(() => {
    waf = template({ wafRateLimitPer5Min: "500" });
  });

  it("logs the web ACL to an aws-waf-logs- log group with a retention, the API key redacted", () => {
    const [aclId] = only(waf, "AWS::WAFv2::WebACL");
    const [, logging] = only(waf, "AWS::WAFv2::LoggingConfiguration");
    const groups = resourcesOf(waf, "AWS::Logs::LogGroup").filter(([, props]) =>
      JSON.stringify(props.LogGroupName ?? "").includes("aws-waf-logs-"),
    );
    expect(groups).toHaveLength(1);
    const [[, group] = ["", {}]] = groups;
    expect(group.RetentionInDays).toBeGreaterThan(0);
    expect(logging.ResourceArn).toEqual({ "Fn::GetAtt": [aclId, "Arn"] });
    const destinations = JSON.stringify(logging.LogDestinationConfigs);
    expect(destinations).toContain(":log-group:aws-waf-logs-");
    // WAF refuses the log group ARN with the `:*` suffix.
    expect(destinations).not.toContain(":*");
    expect(logging.RedactedFields).toEqual([{ SingleHeader: { Name: "x-api-key" } }]);
  });
});
