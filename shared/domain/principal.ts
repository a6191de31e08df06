export const ROLES = ["app", "support", "admin"] as const;
export type Role = (typeof ROLES)[number];

/**
 * What a key sees: `tenant`, every session of its tenant; `own`, only the
 * sessions it started (the others answer like missing ones).
 */
export const KEY_SCOPES = ["tenant", "own"] as const;
export type KeyScope = (typeof KEY_SCOPES)[number];

/** Who is calling: set by the authorizer, never read from a request body. */
export interface Principal {
  tenantId: string;
  keyId: string;
  role: Role;
  scope: KeyScope;
}

/** Whether the caller may see a session started by the key `startedByKey`. */
export function maySee(principal: Principal, startedByKey: string | null): boolean {
  return principal.scope === "tenant" || startedByKey === principal.keyId;
}
