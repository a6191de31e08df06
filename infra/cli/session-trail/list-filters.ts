/**
 * The `sessions` filters. A session's lifecycle status (active, paused,
 * ended, expired) and the outcome its end gave (completed, abandoned,
 * failed) are two fields; people ask for "failed" sessions with --status, so
 * an outcome given there is taken as --outcome, and the tool says so.
 */
import { InvalidArgumentError } from "commander";
import {
  SESSION_OUTCOMES,
  SESSION_STATUSES,
  type SessionOutcome,
  type SessionStatus,
} from "#shared/domain/session.ts";

export type StatusFilter = { status: SessionStatus } | { outcome: SessionOutcome };

export function statusOrOutcome(value: string): StatusFilter {
  if (isStatus(value)) return { status: value };
  if (isOutcome(value)) return { outcome: value };
  throw new InvalidArgumentError(
    `must be a lifecycle status (${SESSION_STATUSES.join(", ")}) or an outcome (${SESSION_OUTCOMES.join(", ")}).`,
  );
}

function isStatus(value: string): value is SessionStatus {
  return (SESSION_STATUSES as readonly string[]).includes(value);
}

function isOutcome(value: string): value is SessionOutcome {
  return (SESSION_OUTCOMES as readonly string[]).includes(value);
}

export function outcome(value: string): SessionOutcome {
  if (isOutcome(value)) return value;
  throw new InvalidArgumentError(`must be one of ${SESSION_OUTCOMES.join(", ")}.`);
}

/** The list query's status and outcome, and a note when --status named an outcome. */
export function listFilters(options: { status?: StatusFilter; outcome?: SessionOutcome }): {
  status: SessionStatus | undefined;
  outcome: SessionOutcome | undefined;
  note: string | undefined;
} {
  const given = options.status;
  if (given && "outcome" in given) {
    return {
      status: undefined,
      outcome: options.outcome ?? given.outcome,
      note: `"${given.outcome}" is an outcome, not a lifecycle status: listing ended sessions whose end gave outcome ${given.outcome} (--outcome ${given.outcome}).`,
    };
  }
  return { status: given?.status, outcome: options.outcome, note: undefined };
}
