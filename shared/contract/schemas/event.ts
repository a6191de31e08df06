/** One event of a session, as the API answers it. */
import * as z from "zod";
import { IsoTimestamp, SessionId } from "./common.ts";

export const EXAMPLE_EVENT = {
  record_id: "5f0c6d1e-8a4b-4c2d-9e7f-0a1b2c3d4e5f",
  session_id: "sess_Qm9vdHN0cmFwU2Vzc2lvbg",
  user_id: "user-42",
  seq: 2,
  event_type: "step_completed",
  timestamp: "2026-11-21T12:05:00.000Z",
  source: "api",
  performer_id: "worker-7",
  step_id: "convert",
  message: "Converted scan",
  event_data: { duration_ms: 5400 },
};

export const SessionEvent = z
  .object({
    record_id: z.uuid(),
    session_id: SessionId,
    user_id: z.string(),
    seq: z
      .number()
      .int()
      .min(1)
      .meta({ description: "1, 2, 3 … per session, gap-free, commit order." }),
    event_type: z.string(),
    timestamp: IsoTimestamp,
    source: z.enum(["session_manager", "api"]),
    performer_id: z.string(),
    step_id: z.string().nullable(),
    message: z.string().nullable(),
    event_data: z.record(z.string(), z.unknown()),
  })
  .meta({
    id: "SessionEvent",
    example: EXAMPLE_EVENT,
  });
export type SessionEvent = z.infer<typeof SessionEvent>;
