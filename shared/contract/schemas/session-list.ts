/** The session listing: its query and its page. */
import * as z from "zod";
import { UserId } from "./actors.ts";
import { IsoQueryTime, QueryInteger } from "./common.ts";
import { LabelFilter } from "./labels.ts";
import { SESSION_EXAMPLE, Session, SessionOutcome, SessionStatus } from "./session.ts";

export const ListSessionsQuery = z.strictObject({
  user_id: UserId.optional().meta({ description: "Only this user's sessions." }),
  status: SessionStatus.optional().meta({ description: "Only sessions in this status." }),
  outcome: SessionOutcome.optional().meta({
    description:
      "Only ended sessions whose end gave this outcome (a filter on the listing index: a sparse page may come back short, with next_cursor).",
  }),
  label: LabelFilter.optional().meta({
    description:
      "key:value: only sessions with this label. The key and value are read as labels take them (the value up to 256 characters, any character, line breaks included; percent-encode it), split at the first colon, so every stored label can be asked for (a filter on the listing index: it reads the tenant's sessions newest first and keeps the matching ones, so a sparse page may come back short, with next_cursor).",
  }),
  created_after: IsoQueryTime.optional().meta({
    description: "Only sessions created strictly after (ISO 8601).",
  }),
  created_before: IsoQueryTime.optional().meta({
    description: "Only sessions created strictly before (ISO 8601).",
  }),
  limit: QueryInteger("limit", 1, 100)
    .default(20)
    .meta({ description: "Most sessions to return, 1 to 100; 20 when not given." }),
  cursor: z.string().max(2048).optional().meta({
    description:
      "Opaque and signed: next_cursor of the previous page, unchanged, with the same filters (user_id, status, outcome, label, created_after, created_before; limit may change) and a key of the same tenant and scope. Any other value is refused with 400 naming cursor.",
  }),
});
export type ListSessionsQuery = z.infer<typeof ListSessionsQuery>;

export const SessionList = z
  .object({
    items: z.array(Session),
    returned: z.number().int().min(0),
    next_cursor: z.string().nullable(),
  })
  .meta({
    id: "SessionList",
    example: { items: [SESSION_EXAMPLE], returned: 1, next_cursor: null },
  });
export type SessionList = z.infer<typeof SessionList>;
