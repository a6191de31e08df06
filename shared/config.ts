/**
 * Configuration from the environment, parsed once with zod. A missing or bad
 * setting fails at start-up with a message naming the variable to set.
 */
import * as z from "zod";

/** Per-attempt timeout of the SDK clients unless AWS_REQUEST_TIMEOUT_MS says otherwise. */
export const DEFAULT_AWS_REQUEST_TIMEOUT_MS = 3000;
/** Attempts the SDK makes per call (the first and two retries). */
export const SDK_MAX_ATTEMPTS = 3;
/**
 * Time a function keeps back from its timeout after its storage budget: the
 * SDK's retry backoff (at most 0.6 s over three attempts), mapping the
 * failure and sending the answer.
 */
export const RESPONSE_MARGIN_MS = 1000;

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
  /** The push stream's WebSocket URL that tickets point to (`wss://…/v1`, locally `ws://…/v1/stream`). */
  STREAM_URL: z.url().optional(),
  /** Where `@connections` calls go: the WebSocket stage's callback URL (`https://…/v1`). */
  STREAM_CONNECTIONS_ENDPOINT: z.url().optional(),
  /** Per-call timeout of the SDK clients, in milliseconds. */
  AWS_REQUEST_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(100)
    .max(60_000)
    .default(DEFAULT_AWS_REQUEST_TIMEOUT_MS),
  /** Key of the listing cursors' HMAC: set by the stack, kept in the data dir locally. */
  CURSOR_SECRET: z.string().min(32).optional(),
});

export type Config = z.infer<typeof EnvSchema>;

/** A bad setting, as one line: the variable, what is wrong with its value, the form expected. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

/** The form a setting takes, in words, from its schema: `a whole number from 1 to 3650`. */
function expectedForm(schema: z.ZodType | undefined): string {
  if (!schema) return "a valid value";
  const json: Record<string, unknown> = z.toJSONSchema(schema, {
    io: "input",
    unrepresentable: "any",
  });
  if (Array.isArray(json.enum)) return `one of ${json.enum.map(String).join(", ")}`;
  const min = typeof json.minimum === "number" ? json.minimum : undefined;
  // An integer schema without a bound of its own says MAX_SAFE_INTEGER.
  const max =
    typeof json.maximum === "number" && json.maximum < Number.MAX_SAFE_INTEGER
      ? json.maximum
      : undefined;
  if (json.type === "integer" || json.type === "number") {
    const what = json.type === "integer" ? "a whole number" : "a number";
    if (min !== undefined && max !== undefined) return `${what} from ${min} to ${max}`;
    if (min !== undefined) return `${what} of at least ${min}`;
    return max !== undefined ? `${what} of at most ${max}` : what;
  }
  if (typeof json.minLength === "number") return `text of at least ${json.minLength} characters`;
  return "text";
}

/** What is wrong with a value, in words; the value is quoted only when short and printable. */
function problemOf(issue: z.core.$ZodIssue, value: string | undefined): string {
  const shown =
    value !== undefined && value.length <= 40 && /^[\x20-\x7e]*$/.test(value)
      ? JSON.stringify(value)
      : "the value given";
  switch (issue.code) {
    case "invalid_type":
      return `${shown} is not ${issue.expected === "int" ? "a whole number" : `a ${issue.expected}`}`;
    case "too_small":
      return `${shown} is too ${issue.origin === "string" ? "short" : "small"}`;
    case "too_big":
      return `${shown} is too ${issue.origin === "string" ? "long" : "large"}`;
    case "invalid_value":
      return `${shown} is not an accepted value`;
    default:
      return `${shown} is not valid`;
  }
}

/**
 * Parses settings from the environment with `schema`; a bad one throws a
 * ConfigError whose message is one line per entry point to print and exit on.
 */
export function parseSettings<S extends z.ZodObject>(
  schema: S,
  env: Record<string, string | undefined>,
): z.output<S> {
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const name = String(issue.path[0] ?? "(environment)");
    const field: z.ZodType | undefined = schema.shape[name];
    // A secret is never echoed, not even a short, wrong one.
    const shown = name.endsWith("_SECRET") ? undefined : env[name];
    return `${name}: ${problemOf(issue, shown)}; set it to ${expectedForm(field)}`;
  });
  throw new ConfigError(`Invalid configuration: ${[...new Set(problems)].join("; ")}.`);
}

let cached: Config | undefined;

/** The settings as the environment holds them now, without keeping them (for build-time readers). */
export function readConfig(env: Record<string, string | undefined> = process.env): Config {
  return parseSettings(EnvSchema, env);
}

export function config(): Config {
  if (cached) return cached;
  cached = readConfig();
  return cached;
}

export function tableName(): string {
  const name = config().TABLE_NAME;
  if (!name) throw new ConfigError("TABLE_NAME is not set: set it to the DynamoDB table name.");
  return name;
}

export function bucketName(): string {
  const name = config().BUCKET_NAME;
  if (!name) {
    throw new ConfigError("BUCKET_NAME is not set: set it to the workspace S3 bucket name.");
  }
  return name;
}

export function cursorSecret(): string {
  const secret = config().CURSOR_SECRET;
  if (!secret) {
    throw new ConfigError("CURSOR_SECRET is not set: set it to at least 32 random characters.");
  }
  return secret;
}

export function streamUrl(): string {
  const url = config().STREAM_URL;
  if (!url)
    throw new ConfigError("STREAM_URL is not set: set it to the push stream's WebSocket URL.");
  return url;
}

export function streamConnectionsEndpoint(): string {
  const url = config().STREAM_CONNECTIONS_ENDPOINT;
  if (!url) {
    throw new ConfigError(
      "STREAM_CONNECTIONS_ENDPOINT is not set: set it to the WebSocket stage's @connections URL.",
    );
  }
  return url;
}

/** Forget the parsed configuration; the local stack sets env before handlers load. */
export function resetConfig(): void {
  cached = undefined;
}
