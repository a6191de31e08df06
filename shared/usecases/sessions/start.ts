/**
 * Starting a session: one open session per user, an overdue one closed on
 * the spot so its user can start again, and a repeat under the same
 * Idempotency-Key answered as the first time.
 */
import { config } from "../../config.ts";
import type { StartSessionBody } from "../../contract/schemas/session-requests.ts";
import { addSeconds, isoNow } from "../../domain/clock.ts";
import { AppError, UnavailableError } from "../../domain/errors.ts";
import { newSessionId } from "../../domain/ids.ts";
import type { Principal } from "../../domain/principal.ts";
import { eventTtl } from "../../storage/event-items.ts";
import { type SessionItem, toSession } from "../../storage/items.ts";
import { createSession } from "../../storage/sessions/create.ts";
import { backoffMs, RACED_TRANSACTION_ATTEMPTS, sleep } from "../../storage/transactions.ts";
import { boundaryEvent, type SessionWithEvent } from "./boundary-event.ts";
import { readVisibleSession } from "./read.ts";
import {
  bodyHashOf,
  idempotencyRecord,
  recordedAnswer,
  replayKeyOf,
  type StartResult,
} from "./replay.ts";
import { expireIfOverdue } from "./transition.ts";

export async function startSession(
  principal: Principal,
  body: StartSessionBody,
  idempotencyKey: string | undefined,
): Promise<StartResult> {
  const tenant = principal.tenantId;
  const replayKey = replayKeyOf(principal, idempotencyKey);
  const bodyHash = bodyHashOf(body);
  for (let attempt = 0; attempt < RACED_TRANSACTION_ATTEMPTS; attempt += 1) {
    const previous = await recordedAnswer(tenant, replayKey, bodyHash);
    if (previous) return previous;
    const now = isoNow();
    const session = newSessionItem(principal, body, now);
    const event = boundaryEvent(session, "session_started", 1, now, body.performer_id);
    const result: SessionWithEvent = { session: toSession(session), event };
    const outcome = await createSession(
      tenant,
      session,
      event,
      eventTtl(session.expires_at, now, config().RETENTION_DAYS),
      replayKey ? idempotencyRecord(replayKey, bodyHash, result, now) : undefined,
    );
    if (outcome.created) return { ...result, replayed: false, status: 201 };
    if (outcome.reason === "idempotency_key_taken") continue;
    if (outcome.reason === "conflict") {
      await sleep(backoffMs(attempt));
      continue;
    }
    // Identical starts sent at once with one key: the lock was taken by the
    // start that committed, together with its idempotency record. Replay it.
    const committed = await recordedAnswer(tenant, replayKey, bodyHash);
    if (committed) return committed;
    const activeId = outcome.activeSessionId;
    if (activeId && (await expireIfOverdue(tenant, activeId))) continue;
    // The rule is the tenant's, but an own-scoped key learns no id of a session it cannot see.
    const shown = activeId && (await readVisibleSession(principal, activeId)) ? activeId : null;
    throw new AppError(
      "ACTIVE_SESSION_EXISTS",
      "The user already has an open session; end it before starting another.",
      { active_session_id: shown },
    );
  }
  throw new UnavailableError();
}

/** A new active session as the start writes it, with its first event counted. */
function newSessionItem(principal: Principal, body: StartSessionBody, now: string): SessionItem {
  return {
    tenant_id: principal.tenantId,
    session_id: newSessionId(),
    user_id: body.user_id,
    status: "active",
    created_at: now,
    updated_at: now,
    expires_at: addSeconds(now, body.ttl_seconds),
    ended_at: null,
    ended_by: null,
    last_accessed: now,
    performer_id: body.performer_id,
    is_training_data: body.is_training_data,
    session_notes: body.session_notes,
    training_intent_label: body.training_intent_label,
    outcome: null,
    end_reason: null,
    labels: body.labels,
    version: 1,
    state_since: now,
    active_ms: 0,
    paused_ms: 0,
    last_seq: 1,
    last_event_at: now,
    type_counts: { session_started: 1 },
    started_by_key: principal.keyId,
    key_counted: principal.scope === "own",
  };
}
