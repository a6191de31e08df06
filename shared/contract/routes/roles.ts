import type { Role } from "#shared/domain/principal.ts";

/** Who may change sessions, and who may read them. */
export const WRITERS: readonly Role[] = ["app", "admin"];
export const ANY: readonly Role[] = ["app", "support", "admin"];
