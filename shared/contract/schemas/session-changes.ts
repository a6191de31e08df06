/** What a change of a session answers: the session after it and the event it wrote. */
import * as z from "zod";
import { SessionEvent } from "./event.ts";
import { SESSION_EXAMPLE, Session } from "./session.ts";

export const SessionWithEvent = z.object({ session: Session, event: SessionEvent }).meta({
  id: "SessionWithEvent",
  description: "The session after the change and its boundary event.",
  example: {
    session: SESSION_EXAMPLE,
    event: {
      record_id: "0b9f3c2a-6d1e-4f8a-b7c5-2e4d6f8a0c1b",
      session_id: "sess_Qm9vdHN0cmFwU2Vzc2lvbg",
      user_id: "user-42",
      seq: 1,
      event_type: "session_started",
      timestamp: "2026-11-21T12:00:00.000Z",
      source: "session_manager",
      performer_id: "app-ios",
      step_id: null,
      message: null,
      event_data: {},
    },
  },
});
export type SessionWithEvent = z.infer<typeof SessionWithEvent>;

export const SessionUpdate = z.object({ session: Session, event: SessionEvent.nullable() }).meta({
  id: "SessionUpdate",
  description:
    "The session after the update and its session_updated event; event is null when the patch changed nothing.",
  example: {
    session: { ...SESSION_EXAMPLE, labels: { flow: "retake" }, version: 2, last_seq: 2 },
    event: {
      record_id: "5d0c7b1e-2f4a-4c3b-9e8d-7a6b5c4d3e2f",
      session_id: "sess_Qm9vdHN0cmFwU2Vzc2lvbg",
      user_id: "user-42",
      seq: 2,
      event_type: "session_updated",
      timestamp: "2026-11-21T12:05:00.000Z",
      source: "session_manager",
      performer_id: "key_Qm9vdHN0cmFwS2V5",
      step_id: null,
      message: null,
      event_data: { changed: ["labels"] },
    },
  },
});
export type SessionUpdate = z.infer<typeof SessionUpdate>;
