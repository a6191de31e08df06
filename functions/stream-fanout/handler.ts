/**
 * DynamoDB Streams (NEW_IMAGE, filtered to event inserts and session
 * removals) to the push stream's subscribers. A failure to read subscribers
 * fails the batch, which the event source mapping retries (bisecting, then
 * to the failure queue); a failure to post to one connection does not.
 */
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import type { Context, DynamoDBStreamEvent } from "aws-lambda";
import { logger, metrics, recordMetric } from "#shared/observability.ts";
import { changeOf, type StreamChange } from "#shared/storage/stream-records.ts";
import { traceHandler } from "#shared/tracing.ts";
import { type FanOutReport, fanOut } from "#shared/usecases/stream-fanout.ts";

export const handler = middy<DynamoDBStreamEvent, FanOutReport, Error, Context>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(traceHandler)
  .handler(async (event) => {
    const changes = event.Records.map(changeOf).filter(
      (change): change is StreamChange => change !== undefined,
    );
    const report = await fanOut(changes, (error, connectionId) =>
      logger.warn("push to a connection failed", { connection_id: connectionId, error }),
    );
    recordMetric("StreamMessagesSent", report.messagesSent);
    recordMetric("StreamGoneConnections", report.goneConnections);
    recordMetric("StreamDeliveryFailures", report.deliveryFailures);
    recordMetric("StreamGaps", report.gaps);
    metrics.publishStoredMetrics();
    return report;
  });
