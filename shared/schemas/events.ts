import { z } from "zod";
import { IsoTimestamp, SessionId } from "./common.ts";

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
  .meta({ id: "SessionEvent" });
export type SessionEvent = z.infer<typeof SessionEvent>;
