import { startSessionRoute } from "#shared/contract/routes/sessions/start.ts";
import { IDEMPOTENCY_KEY_PATTERN } from "#shared/contract/schemas/headers.ts";
import { AppError, ValidationError } from "#shared/domain/errors.ts";
import { apiHandler } from "#shared/http/api-handler.ts";
import { recordMetric } from "#shared/observability.ts";
import { startSession } from "#shared/usecases/sessions/start.ts";

export const handler = apiHandler(startSessionRoute, async ({ body, principal, headers }) => {
  // HTTP strips the blanks around a field value; an empty one is a key that breaks the pattern.
  const idempotencyKey = headers["idempotency-key"]?.replace(/^[ \t]+|[ \t]+$/g, "");
  if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY_PATTERN.test(idempotencyKey)) {
    throw new ValidationError(
      "Idempotency-Key must be 1-255 characters of letters, digits and _ . : -.",
      { field: "Idempotency-Key" },
    );
  }
  const result = await startSession(principal, body, idempotencyKey).catch((error: unknown) => {
    if (error instanceof AppError && error.code === "ACTIVE_SESSION_EXISTS") {
      recordMetric("StartConflicts", 1);
    }
    throw error;
  });
  if (!result.replayed) recordMetric("SessionsStarted", 1);
  const responseHeaders: Record<string, string> = {
    Location: `/v1/sessions/${result.session.session_id}`,
  };
  if (result.replayed) responseHeaders["Idempotent-Replayed"] = "true";
  return {
    status: result.status,
    body: { session: result.session, event: result.event },
    headers: responseHeaders,
  };
});
