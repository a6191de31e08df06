/** The If-Match header every route that changes a session takes. */
import { IF_MATCH_PATTERN, MAX_IF_MATCH_LENGTH } from "#shared/contract/schemas/headers.ts";

/** Every route that changes a session takes If-Match the same way. */
export const IF_MATCH_HEADER = {
  "If-Match": {
    description:
      'The ETag of the version read ("3"), a list of tags, or *: answers 412 PRECONDITION_FAILED when the session has another version now, checked in the same transaction as the change. Strong comparison (RFC 9110): a tag matches only when its text is exactly the ETag\'s ("03" is not "3"), and weak tags (W/"3") never match. Several If-Match lines are read as one list. Without it, or empty, the change applies to the session as it is.',
    required: false,
    pattern: IF_MATCH_PATTERN,
    maxLength: MAX_IF_MATCH_LENGTH,
  },
} as const;
