/**
 * The filter a session list applies after reading the index: live sessions
 * only, then the caller's status, label, outcome and own-key filters.
 */
import type { SessionOutcome, SessionStatus } from "../../domain/session.ts";

/** The filters of a list, as the use case passes them on. */
export interface ListFilters {
  /** Overdue open sessions are expired from their expires_at on: filters agree. */
  now: string;
  /** Only sessions this key started (an own-scoped caller). */
  startedByKey: string | undefined;
  status: SessionStatus | undefined;
  outcome?: SessionOutcome | undefined;
  label?: { key: string; value: string } | undefined;
}

export interface ListFilter {
  expression: string;
  names: Record<string, string>;
  values: Record<string, unknown>;
}

/**
 * A status filter that sees sessions as callers do: an open session past its
 * expires_at is expired, whether or not the expiry job has closed it yet.
 */
function statusFilter(
  status: SessionStatus,
  now: string,
  names: Record<string, string>,
  values: Record<string, unknown>,
): string {
  names["#status"] = "status";
  values[":status"] = status;
  if (status === "ended") return "#status = :status";
  values[":now"] = now;
  if (status === "expired") {
    values[":active"] = "active";
    values[":paused"] = "paused";
    return "(#status = :status OR (#status IN (:active, :paused) AND expires_at <= :now))";
  }
  return "(#status = :status AND expires_at > :now)";
}

/** Live sessions only, then the caller's status, label, outcome and own-key filters. */
export function listFilter(input: ListFilters): ListFilter {
  const names: Record<string, string> = { "#e": "entity" };
  const values: Record<string, unknown> = { ":entity": "session" };
  let expression = "#e = :entity AND attribute_not_exists(deleting)";
  if (input.status) expression += ` AND ${statusFilter(input.status, input.now, names, values)}`;
  if (input.label !== undefined) {
    names["#labels"] = "labels";
    names["#label"] = input.label.key;
    values[":label"] = input.label.value;
    expression += " AND #labels.#label = :label";
  }
  if (input.outcome !== undefined) {
    values[":outcome"] = input.outcome;
    expression += " AND outcome = :outcome";
  }
  if (input.startedByKey !== undefined) {
    values[":started_by_key"] = input.startedByKey;
    expression += " AND started_by_key = :started_by_key";
  }
  return { expression, names, values };
}
