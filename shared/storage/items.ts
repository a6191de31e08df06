/**
 * Shapes of the items in the table, validated when read so no caller casts a
 * DynamoDB result. Mapping to the API's objects lives here too.
 */
import * as z from "zod";
import type { Session } from "../contract/schemas/session.ts";
import { isoNow } from "../domain/clock.ts";
import { KEY_SCOPES, ROLES } from "../domain/principal.ts";
import { isOverdue, lifecycleAsOf, SESSION_OUTCOMES, SESSION_STATUSES } from "../domain/session.ts";

/** A session as stored, without its keys: the store adds those from the key module. */
export const SessionItem = z.object({
  tenant_id: z.string(),
  session_id: z.string(),
  user_id: z.string(),
  status: z.enum(SESSION_STATUSES),
  created_at: z.string(),
  updated_at: z.string(),
  expires_at: z.string(),
  ended_at: z.string().nullable().default(null),
  ended_by: z.string().nullable().default(null),
  last_accessed: z.string(),
  performer_id: z.string(),
  is_training_data: z.boolean(),
  session_notes: z.string().nullable().default(null),
  training_intent_label: z.string().nullable().default(null),
  /** How and why an end closed the session, if its caller said. */
  outcome: z.enum(SESSION_OUTCOMES).nullable().default(null),
  end_reason: z.string().nullable().default(null),
  labels: z.record(z.string(), z.string()).default({}),
  /**
   * The version of the session's own fields (the ETag): 1 at start, one more
   * for each lifecycle step and each update. Appends leave it alone.
   */
  version: z.number().int().default(1),
  /**
   * When the current status began, and the time spent active and paused in
   * the periods already closed: moved by the lifecycle transactions, so
   * per-session statistics need no event reads. Sessions stored before they
   * existed count from their creation.
   */
  state_since: z.string().optional(),
  active_ms: z.number().int().default(0),
  paused_ms: z.number().int().default(0),
  last_seq: z.number().int(),
  /** Timestamp of the newest event: later events never get an earlier one. */
  last_event_at: z.string(),
  /** The key that started the session: an `own`-scoped key sees only its own. */
  started_by_key: z.string().nullable().default(null),
  /**
   * Whether the starting key's own counters (its `/statistics`) count this
   * session: true for sessions started by `own`-scoped keys.
   */
  key_counted: z.boolean().default(false),
  /** Events per type, kept in the transaction that writes them (counts without reads). */
  type_counts: z.record(z.string(), z.number().int()).default({}),
  /**
   * The append queue: the last turn handed out and the last turn served.
   * Equal (or absent) when no append is waiting; see `takeAppendTurn`.
   */
  next_turn: z.number().int().optional(),
  served_turn: z.number().int().optional(),
  /** Turns whose writers gave up before their turn came: skipped at once. */
  cancelled_turns: z.set(z.number()).optional(),
  /** Set when a delete has started: the session is gone for every caller. */
  deleting: z.boolean().optional(),
});
export type SessionItem = z.infer<typeof SessionItem>;

/** The API's session object, as every caller sees it at `now` (overdue reads as expired). */
export function toSession(stored: SessionItem, now: string = isoNow()): Session {
  const item = lifecycleAsOf(stored, now);
  return {
    session_id: item.session_id,
    user_id: item.user_id,
    status: item.status,
    created_at: item.created_at,
    updated_at: item.updated_at,
    expires_at: item.expires_at,
    ended_at: item.ended_at,
    ended_by: item.ended_by,
    last_accessed: item.last_accessed,
    performer_id: item.performer_id,
    is_training_data: item.is_training_data,
    session_notes: item.session_notes,
    training_intent_label: item.training_intent_label,
    event_count: item.last_seq,
    last_seq: item.last_seq,
    outcome: item.outcome,
    end_reason: item.end_reason,
    labels: item.labels,
    // An overdue session reads as the expiry will leave it, version included.
    version: item.version + (isOverdue(stored, now) ? 1 : 0),
  };
}

export const EventItem = z.object({
  record_id: z.string(),
  session_id: z.string(),
  user_id: z.string(),
  seq: z.number().int(),
  event_type: z.string(),
  timestamp: z.string(),
  source: z.string(),
  performer_id: z.string(),
  step_id: z.string().nullable().default(null),
  message: z.string().nullable().default(null),
  event_data_json: z.string().default("{}"),
  /** 1-based position of this event among the session's events of its type. */
  type_ord: z.number().int(),
});
export type EventItem = z.infer<typeof EventItem>;

export const OpenLockItem = z.object({ session_id: z.string() });

export const ApiKeyItem = z.object({
  key_id: z.string(),
  tenant_id: z.string(),
  role: z.enum(ROLES),
  /** Keys made before scopes existed saw their whole tenant. */
  scope: z.enum(KEY_SCOPES).default("tenant"),
  label: z.string().nullable().default(null),
  created_at: z.string(),
  revoked_at: z.string().nullable().default(null),
});
export type ApiKeyItem = z.infer<typeof ApiKeyItem>;
