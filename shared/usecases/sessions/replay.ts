/**
 * Replaying a start under its Idempotency-Key: the key as stored, the record
 * a start writes with the session, and the recorded answer given back to a
 * repeat of the same body (a different body under the key is refused).
 */
import { createHash } from "node:crypto";
import { SessionWithEvent as SessionWithEventSchema } from "../../contract/schemas/session-changes.ts";
import type { StartSessionBody } from "../../contract/schemas/session-requests.ts";
import { epochSeconds } from "../../domain/clock.ts";
import { AppError } from "../../domain/errors.ts";
import type { Principal } from "../../domain/principal.ts";
import {
  type IdempotencyRecord,
  type ReplayKey,
  readIdempotencyRecord,
} from "../../storage/sessions/idempotency.ts";
import type { SessionWithEvent } from "./boundary-event.ts";

const IDEMPOTENCY_WINDOW_SECONDS = 24 * 3600;

export interface StartResult extends SessionWithEvent {
  /** True when an earlier answer was replayed for the same Idempotency-Key. */
  replayed: boolean;
  status: number;
}

/** An own-scoped key replays only its own answers: keys of one tenant may pick the same value. */
export function replayKeyOf(
  principal: Principal,
  idempotencyKey: string | undefined,
): ReplayKey | undefined {
  return idempotencyKey === undefined
    ? undefined
    : { value: idempotencyKey, ownerKeyId: principal.scope === "own" ? principal.keyId : null };
}

export function bodyHashOf(body: StartSessionBody): string {
  return createHash("sha256").update(JSON.stringify(body)).digest("hex");
}

/** What a start records under its key, in its own transaction, for a day. */
export function idempotencyRecord(
  key: ReplayKey,
  bodyHash: string,
  response: SessionWithEvent,
  now: string,
): IdempotencyRecord {
  return {
    key,
    bodyHash,
    status: 201,
    response,
    expiresAtEpoch: epochSeconds(now) + IDEMPOTENCY_WINDOW_SECONDS,
  };
}

/** The answer recorded under the key, replayed; undefined without a key or a record. */
export async function recordedAnswer(
  tenant: string,
  key: ReplayKey | undefined,
  bodyHash: string,
): Promise<StartResult | undefined> {
  if (!key) return undefined;
  const previous = await readIdempotencyRecord(tenant, key);
  return previous ? replay(previous, bodyHash) : undefined;
}

function replay(
  previous: { bodyHash: string; status: number; response: unknown },
  bodyHash: string,
): StartResult {
  if (previous.bodyHash !== bodyHash) {
    throw new AppError(
      "IDEMPOTENCY_KEY_REUSED",
      "This Idempotency-Key was used with a different body; use a new key for a new request.",
    );
  }
  const response = SessionWithEventSchema.parse(previous.response);
  return { ...response, replayed: true, status: previous.status };
}
