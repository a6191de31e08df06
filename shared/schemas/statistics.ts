import * as z from "zod";
import { IsoTimestamp } from "./common.ts";

export const Statistics = z
  .object({
    counts: z.object({
      active: z.number().int().min(0),
      paused: z.number().int().min(0),
      ended: z.number().int().min(0),
      expired: z.number().int().min(0),
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
      open: 4,
      total: 50,
      server_time: "2026-11-21T12:00:00.000Z",
    },
  });
export type Statistics = z.infer<typeof Statistics>;
