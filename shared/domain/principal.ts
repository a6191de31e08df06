export const ROLES = ["app", "support", "admin"] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling: set by the authorizer, never read from a request body. */
export interface Principal {
  tenantId: string;
  keyId: string;
  role: Role;
}
