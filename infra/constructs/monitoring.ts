/**
 * Alarms an operator should hear about: the API answering 5xx to a share of
 * its requests, and the expiry job failing (sessions would stay open past
 * their expiry). Alarm actions go to one SNS topic.
 */
import { Duration } from "aws-cdk-lib";
import type { RestApi } from "aws-cdk-lib/aws-apigateway";
import {
  Alarm,
  ComparisonOperator,
  type IMetric,
  MathExpression,
  TreatMissingData,
} from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { Topic } from "aws-cdk-lib/aws-sns";
import { EmailSubscription } from "aws-cdk-lib/aws-sns-subscriptions";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import type { PushStream } from "./stream.ts";

/** Age of the newest record the fan-out read, in ms, above which pushes are late. */
export const FANOUT_ITERATOR_AGE_THRESHOLD_MS = 60_000;

/** Share of requests, in percent, answered with a 5xx over five minutes. */
export const SERVER_ERROR_RATE_THRESHOLD_PERCENT = 5;

export interface MonitoringProps {
  api: RestApi;
  /** The expiry job, when the stack has one. */
  expireFunction?: IFunction;
  /** Where the expiry job's failed runs go, when it has such a queue. */
  expireFailedRuns?: IQueue;
  /** Address subscribed to the alarm topic; none by default. */
  alarmEmail?: string;
  /** The push stream, whose fan-out is watched. */
  pushStream?: PushStream;
}

export class Monitoring extends Construct {
  readonly topic: Topic;
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    this.topic = new Topic(this, "AlarmTopic", { enforceSSL: true });
    if (props.alarmEmail) this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
    const action = new SnsAction(this.topic);

    const period = Duration.minutes(5);
    const serverErrorRate = new MathExpression({
      expression: "IF(requests > 0, 100 * errors / requests, 0)",
      usingMetrics: {
        errors: props.api.metricServerError({ period, statistic: "Sum" }),
        requests: props.api.metricCount({ period, statistic: "Sum" }),
      },
      period,
      label: "5XX error rate (%)",
    });
    this.alarms.push(
      new Alarm(this, "ApiServerErrorRate", {
        alarmDescription: `More than ${SERVER_ERROR_RATE_THRESHOLD_PERCENT}% of API requests answered 5xx over 5 minutes.`,
        metric: serverErrorRate,
        threshold: SERVER_ERROR_RATE_THRESHOLD_PERCENT,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );

    if (props.expireFunction) {
      this.alarms.push(
        new Alarm(this, "ExpireErrors", {
          alarmDescription:
            "The session expiry job failed; open sessions may outlive their expiry.",
          metric: props.expireFunction.metricErrors({ period, statistic: "Sum" }),
          threshold: 0,
          comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );
    }

    if (props.expireFailedRuns) {
      this.alarms.push(
        new Alarm(this, "ExpireFailedRuns", {
          alarmDescription:
            "A run of the session expiry job failed or never ran; its event is in the failed-runs queue.",
          metric: props.expireFailedRuns.metricApproximateNumberOfMessagesVisible({
            period,
            statistic: "Maximum",
          }),
          threshold: 0,
          comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );
    }

    if (props.pushStream) this.watchPushStream(props.pushStream, period);

    for (const alarm of this.alarms) alarm.addAlarmAction(action);
  }

  /** The fan-out falling behind the stream, failing, or sending batches to its failure queue. */
  private watchPushStream(stream: PushStream, period: Duration): void {
    const alarm = (id: string, description: string, metric: IMetric, threshold: number) =>
      this.alarms.push(
        new Alarm(this, id, {
          alarmDescription: description,
          metric,
          threshold,
          comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );
    alarm(
      "FanOutIteratorAge",
      `The push stream's fan-out is more than ${FANOUT_ITERATOR_AGE_THRESHOLD_MS / 1000} s behind the table's stream: followers get events late.`,
      stream.fanOut.metric("IteratorAge", { period, statistic: "Maximum" }),
      FANOUT_ITERATOR_AGE_THRESHOLD_MS,
    );
    alarm(
      "FanOutErrors",
      "The push stream's fan-out failed batches (they are retried, then go to the failure queue).",
      stream.fanOut.metricErrors({ period, statistic: "Sum" }),
      0,
    );
    alarm(
      "FanOutFailedBatches",
      "Stream batches the fan-out could not deliver are in its failure queue: followers fill the holes by polling.",
      stream.failureQueue.metricApproximateNumberOfMessagesVisible({
        period,
        statistic: "Maximum",
      }),
      0,
    );
  }
}
