/**
 * Scheduled every minute. Closes overdue sessions within the invocation's
 * time budget, keeping a margin to finish the transactions under way.
 */
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import type { Context, ScheduledEvent } from "aws-lambda";
import { logger, metrics, recordMetric } from "#shared/observability.ts";
import { traceHandler } from "#shared/tracing.ts";
import { type ExpiryReport, expireDueSessions } from "#shared/usecases/expiry.ts";

const SAFETY_MARGIN_MS = 5_000;

export const handler = middy<ScheduledEvent, ExpiryReport, Error, Context>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(traceHandler)
  .handler(async (_event, context) => {
    const started = Date.now();
    const report = await expireDueSessions(
      () => context.getRemainingTimeInMillis() > SAFETY_MARGIN_MS,
    );
    const details = { ...report, duration_ms: Date.now() - started };
    // A run that found nothing is the common minute: it writes nothing at the
    // default log level and no metric (a quiet minute is a gap in the graph).
    if (report.expired === 0 && report.failed === 0 && !report.incomplete) {
      logger.debug("expiry run", details);
      return report;
    }
    recordMetric("SessionsExpired", report.expired);
    recordMetric("ExpiryFailures", report.failed);
    metrics.publishStoredMetrics();
    logger.info("expiry run", details);
    if (report.failed > 0) {
      // Fails the invocation so the errors alarm sees it; the next run retries.
      throw new Error(`expiry failed for ${report.failed} sessions`);
    }
    return report;
  });
