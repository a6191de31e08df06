/**
 * The append turn queue: concurrent appends to one session commit one at a
 * time, in the order they queued (docs/api.md, "Many writers on one session").
 *
 * - While no append is queued (`next_turn = served_turn`) an append commits
 *   straight away.
 * - One that loses that race takes a turn: `next_turn`, an atomic counter on
 *   the session item.
 * - A turn commits when `served_turn = turn − 1`, moving `served_turn` to
 *   itself in the same transaction as the events and `last_seq`.
 * - While it waits, a writer reads the session (strongly consistent), spaced
 *   by its place in the queue, instead of sending transactions that fail.
 * - A writer out of its 5 s budget cancels its turn, and those behind skip it
 *   at once; a turn at the head of the queue for 1.5 s without committing is
 *   skipped by the next in line. A skipped writer queues again, so nothing
 *   commits out of turn.
 *
 * What is committed, and whether the session still takes it, is the
 * caller's (./append.ts); the counters are in shared/storage/events/turns.ts.
 */
import type { AppendEventsResult } from "../../contract/schemas/event-append.ts";
import { sessionNotFound, UnavailableError } from "../../domain/errors.ts";
import { cancelAppendTurn, skipAppendTurn, takeAppendTurn } from "../../storage/events/turns.ts";
import type { SessionItem } from "../../storage/items.ts";
import { readSession } from "../../storage/sessions/read.ts";
import { RACE_RETRY_BUDGET_MS, sleep } from "../../storage/transactions.ts";

/** A turn at the head of the queue this long without committing is taken as abandoned. */
const STUCK_TURN_MS = 1500;
/** Poll spacing per place in the append queue: about one commit's time. */
const TURN_POLL_STEP_MS = 10;
const TURN_POLL_CAP_MS = 250;

/** A lost attempt may say how the session now is (from the failed condition). */
export type CommitAttempt =
  | { committed: true; result: AppendEventsResult }
  | { committed: false; current?: SessionItem };

export interface QueuedAppend {
  tenant: string;
  /** The session as read before the first attempt, already accepted. */
  read: SessionItem;
  /** The session if it still takes events; throws otherwise. */
  accept(session: SessionItem | undefined): Promise<SessionItem>;
  /** One commit on the session as given: direct without a turn, else in that turn. */
  commit(session: SessionItem, turn: number | undefined): Promise<CommitAttempt>;
}

/** Commits straight away while no append is queued, else in turn. */
export async function commitInTurn(append: QueuedAppend): Promise<AppendEventsResult> {
  const { read } = append;
  if ((read.next_turn ?? 0) === (read.served_turn ?? 0)) {
    const outcome = await append.commit(read, undefined);
    if (outcome.committed) return outcome.result;
  }
  return appendInTurn(append, read.session_id);
}

/** Contended: wait in turn, deciding each time on the session as last read. */
async function appendInTurn(append: QueuedAppend, sessionId: string): Promise<AppendEventsResult> {
  const { tenant } = append;
  const deadline = Date.now() + RACE_RETRY_BUDGET_MS;
  let taken = await takeAppendTurn(tenant, sessionId);
  let headSince = { served: -1, at: Date.now() };
  while (taken) {
    const { turn } = taken;
    const session = await append.accept(taken.session);
    const served = session.served_turn ?? 0;
    if (served >= turn) {
      // Skipped as stuck while this writer was slow: queue again.
      taken = await takeAppendTurn(tenant, sessionId);
      continue;
    }
    if (served === turn - 1) {
      const outcome = await append.commit(session, turn);
      if (outcome.committed) return outcome.result;
      // A lifecycle step moved last_seq meanwhile: decide again on the session as it is.
      taken = { turn, session: outcome.current ?? (await currentSession(tenant, sessionId)) };
      continue;
    }
    if (Date.now() >= deadline) {
      await cancelAppendTurn(tenant, sessionId, turn);
      break;
    }
    if (served !== headSince.served) headSince = { served, at: Date.now() };
    const next = served + 1;
    if (session.cancelled_turns?.has(next) || Date.now() - headSince.at > STUCK_TURN_MS) {
      await skipAppendTurn(tenant, sessionId, served);
    } else {
      await sleep(Math.min(TURN_POLL_CAP_MS, (turn - 1 - served) * TURN_POLL_STEP_MS));
    }
    taken = { turn, session: await currentSession(tenant, sessionId) };
  }
  if (!taken) await append.accept(await readSession(tenant, sessionId));
  throw new UnavailableError("Too many concurrent appends to this session; retry shortly.", 1);
}

async function currentSession(tenant: string, sessionId: string): Promise<SessionItem> {
  const session = await readSession(tenant, sessionId);
  if (!session) throw sessionNotFound();
  return session;
}
