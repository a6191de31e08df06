/**
 * Where a scheduled function's failed runs go. EventBridge invokes it
 * asynchronously: a run that fails is not retried (the next scheduled run
 * covers it, and a retry could overlap it), and a run that failed, waited
 * too long or could not be delivered lands in one encrypted, TLS-only queue
 * that keeps it for 14 days for an operator to read. The function itself runs
 * one invocation at a time (its reserved concurrency, set with the function).
 */
import { Duration } from "aws-cdk-lib";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { SqsDestination } from "aws-cdk-lib/aws-lambda-destinations";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { acknowledgeFinding } from "./acknowledge.ts";

/** How long an invocation may wait (throttled behind a run still going) before it counts as failed. */
export const SCHEDULED_RUN_MAX_AGE = Duration.minutes(2);

export class ScheduledRunFailures extends Construct {
  readonly queue: Queue;

  constructor(scope: Construct, id: string, props: { fn: IFunction }) {
    super(scope, id);
    this.queue = new Queue(this, "Queue", {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledgeFinding(
      this.queue,
      "AwsSolutions-SQS3",
      "This queue is itself where failed scheduled runs go (the function's on-failure destination and the schedule's dead-letter queue); nothing consumes it but an operator.",
    );
    props.fn.configureAsyncInvoke({
      retryAttempts: 0,
      maxEventAge: SCHEDULED_RUN_MAX_AGE,
      onFailure: new SqsDestination(this.queue),
    });
  }
}
