/** Who a session is for and who acts on it, as requests name them. */
import * as z from "zod";
import { USER_ID_PATTERN } from "../../domain/ids.ts";

export const UserId = z
  .string()
  .regex(
    USER_ID_PATTERN,
    "must be 1-128 characters of letters, digits and . _ @ : + = -, starting with a letter or digit",
  )
  .meta({ example: "user-42" });

/**
 * Checked as sent (at most 128 characters, not only whitespace), then trimmed:
 * the document can state the checks, not a trimmed length.
 */
export const PerformerId = z
  .string()
  .max(128)
  .regex(/\S/, "must not be empty")
  .trim()
  .meta({ description: 'Who acts: a person, a worker, or "system".', example: "worker-7" });
