import { z } from "zod";

export const HealthCheck = z.object({
  status: z.enum(["ok", "failing"]),
  latency_ms: z.number().min(0),
});

export const HealthReport = z
  .object({
    status: z.enum(["healthy", "unhealthy"]),
    checks: z.object({ dynamodb: HealthCheck, s3: HealthCheck }),
    failing: z.array(z.enum(["dynamodb", "s3"])),
    server_time: z.string(),
  })
  .meta({ id: "HealthReport" });
export type HealthReport = z.infer<typeof HealthReport>;
