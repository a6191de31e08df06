/**
 * Configuration from the environment, parsed once with zod. A missing or bad
 * setting fails at start-up with a message naming the variable to set.
 */
import * as z from "zod";

const Bool = z
  .enum(["true", "false", "1", "0"])
  .transform((value) => value === "true" || value === "1");

const EnvSchema = z.object({
  TABLE_NAME: z.string().min(3).optional(),
  BUCKET_NAME: z.string().min(3).optional(),
  AWS_REGION: z.string().min(1).default("us-east-1"),
  /** Path-style S3 URLs: needed by the local S3 emulator and LocalStack. */
  S3_FORCE_PATH_STYLE: Bool.default(false),
  /** How long closed sessions, their events and workspaces are kept. */
  RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  /** Largest workspace upload a presigned PUT is issued for. */
  MAX_UPLOAD_BYTES: z.coerce
    .number()
    .int()
    .min(1)
    .default(5 * 1024 ** 3),
  /** Lifetime of presigned upload and download URLs. */
  PRESIGN_TTL_SECONDS: z.coerce.number().int().min(60).max(43_200).default(900),
  /** Comma-separated origins allowed by CORS; `*` for any; empty for none. */
  CORS_ALLOWED_ORIGINS: z.string().default(""),
  /** Time the investigate endpoint spends reading the workspace before answering with what it has. */
  INVESTIGATE_BUDGET_MS: z.coerce.number().int().min(200).max(25_000).default(4000),
  /** How long one instance reuses a workspace listing for the same session (0: list every time). */
  INVESTIGATE_LISTING_REUSE_MS: z.coerce.number().int().min(0).max(60_000).default(1000),
  /** Bytes read from the end of a log for its last lines (enough for 100 ordinary lines). */
  LOG_TAIL_WINDOW_BYTES: z.coerce
    .number()
    .int()
    .min(4096)
    .max(1024 * 1024)
    .default(64 * 1024),
  /** How long one instance answers /health from its last check (0: check every time). */
  HEALTH_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(5000),
  /** Per-call timeout of the SDK clients, in milliseconds. */
  AWS_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(3000),
});

export type Config = z.infer<typeof EnvSchema>;

let cached: Config | undefined;

export function config(): Config {
  if (cached) return cached;
  const parsed = EnvSchema.safeParse(process.env);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((issue) => `${issue.path.join(".")}: ${issue.message}`)
      .join("; ");
    throw new Error(`Invalid configuration (${problems}). Fix these environment variables.`);
  }
  cached = parsed.data;
  return cached;
}

export function tableName(): string {
  const name = config().TABLE_NAME;
  if (!name) throw new Error("TABLE_NAME is not set: set it to the DynamoDB table name.");
  return name;
}

export function bucketName(): string {
  const name = config().BUCKET_NAME;
  if (!name) throw new Error("BUCKET_NAME is not set: set it to the workspace S3 bucket name.");
  return name;
}

/** Forget the parsed configuration; the local stack sets env before handlers load. */
export function resetConfig(): void {
  cached = undefined;
}
