import { z } from "zod";
import { IsoTimestamp } from "./common.ts";

export const Statistics = z
  .object({
    counts: z.object({
      active: z.number().int().min(0),
      paused: z.number().int().min(0),
      ended: z.number().int().min(0),
      expired: z.number().int().min(0),
    }),
    outcomes: z
      .object({
        completed: z.number().int().min(0),
        abandoned: z.number().int().min(0),
        failed: z.number().int().min(0),
      })
      .meta({
        description:
          "Ended sessions by the outcome their end gave; ends without one are in counts.ended only.",
      }),
    open: z.number().int().min(0).meta({ description: "active + paused" }),
    total: z.number().int().min(0),
    server_time: IsoTimestamp,
  })
  .meta({
    id: "Statistics",
    description: "Sessions of the caller's tenant by status; deleted sessions are not counted.",
    example: {
      counts: { active: 3, paused: 1, ended: 40, expired: 6 },
      outcomes: { completed: 31, abandoned: 5, failed: 2 },
      open: 4,
      total: 50,
      server_time: "2026-11-21T12:00:00.000Z",
    },
  });
export type Statistics = z.infer<typeof Statistics>;
