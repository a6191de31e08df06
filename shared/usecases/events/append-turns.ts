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
 * The counters are kept by shared/storage/events/turns.ts; the commit is ./commit.ts.
 */
import type { AppendEventsResult, NewEvent } from "../../contract/schemas/events.ts";
import { sessionNotFound, UnavailableError } from "../../domain/errors.ts";
import type { Principal } from "../../domain/principal.ts";
import { cancelAppendTurn, skipAppendTurn, takeAppendTurn } from "../../storage/events/turns.ts";
import type { SessionItem } from "../../storage/items.ts";
import { readSession } from "../../storage/session-store.ts";
import { RACE_RETRY_BUDGET_MS, sleep } from "../../storage/transactions.ts";
import { acceptingSession, commitEvents } from "./commit.ts";

/** A turn at the head of the queue this long without committing is taken as abandoned. */
const STUCK_TURN_MS = 1500;
/** Poll spacing per place in the append queue: about one commit's time. */
const TURN_POLL_STEP_MS = 10;
const TURN_POLL_CAP_MS = 250;

/** Commits the events on `read`, straight away while no append is queued, else in turn. */
export async function commitInTurn(
  principal: Principal,
  read: SessionItem,
  input: NewEvent[],
): Promise<AppendEventsResult> {
  if ((read.next_turn ?? 0) === (read.served_turn ?? 0)) {
    const outcome = await commitEvents(principal, read, input, undefined);
    if (outcome.committed) return outcome.result;
  }
  return appendInTurn(principal, read.session_id, input);
}

/** Contended: wait in turn, on the session as each read finds it. */
async function appendInTurn(
  principal: Principal,
  sessionId: string,
  input: NewEvent[],
): Promise<AppendEventsResult> {
  const tenant = principal.tenantId;
  const deadline = Date.now() + RACE_RETRY_BUDGET_MS;
  let taken = await takeAppendTurn(tenant, sessionId);
  let headSince = { served: -1, at: Date.now() };
  while (taken) {
    const { turn } = taken;
    const session = await acceptingSession(tenant, taken.session);
    const served = session.served_turn ?? 0;
    if (served >= turn) {
      // Skipped as stuck while this writer was slow: queue again.
      taken = await takeAppendTurn(tenant, sessionId);
      continue;
    }
    if (served === turn - 1) {
      const outcome = await commitEvents(principal, session, input, turn);
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
  if (!taken) await acceptingSession(tenant, await readSession(tenant, sessionId));
  throw new UnavailableError("Too many concurrent appends to this session; retry shortly.", 1);
}

async function currentSession(tenant: string, sessionId: string): Promise<SessionItem> {
  const session = await readSession(tenant, sessionId);
  if (!session) throw sessionNotFound();
  return session;
}
