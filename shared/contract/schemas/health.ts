import * as z from "zod";

export const HealthCheck = z.object({
  status: z.enum(["ok", "failing"]),
  latency_ms: z.number().min(0),
});

export const HealthReport = z
  .object({
    status: z.enum(["healthy", "unhealthy"]),
    checks: z.object({
      dynamodb: HealthCheck,
      s3: HealthCheck,
      stream: HealthCheck.optional().meta({
        description:
          "Local stack only: the poller that feeds the push stream from the table's stream.",
      }),
    }),
    failing: z.array(z.enum(["dynamodb", "s3", "stream"])),
    server_time: z.string(),
  })
  .meta({
    id: "HealthReport",
    example: {
      status: "healthy",
      checks: { dynamodb: { status: "ok", latency_ms: 12 }, s3: { status: "ok", latency_ms: 18 } },
      failing: [],
      server_time: "2026-11-21T12:00:00.000Z",
    },
  });
export type HealthReport = z.infer<typeof HealthReport>;
