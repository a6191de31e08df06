/** API keys: created with a role for one tenant, shown once, stored as SHA-256 hashes. */
import { isoNow } from "../domain/clock.ts";
import { ValidationError } from "../domain/errors.ts";
import { newApiKey, newKeyId, TENANT_ID_PATTERN } from "../domain/ids.ts";
import type { KeyScope, Principal, Role } from "../domain/principal.ts";
import type { ApiKeyItem } from "../storage/items.ts";
import * as keyStore from "../storage/key-store.ts";
import { sha256 } from "../storage/keys.ts";

export interface CreatedKey {
  keyId: string;
  tenantId: string;
  role: Role;
  scope: KeyScope;
  /** The plain key: returned once, never stored. */
  plainKey: string;
  /** Hash of the plain key; also the usage-plan identifier of the key. */
  keyHash: string;
}

export async function createApiKey(
  tenantId: string,
  role: Role,
  label: string | null = null,
  scope: KeyScope = "tenant",
): Promise<CreatedKey> {
  if (!TENANT_ID_PATTERN.test(tenantId)) {
    throw new ValidationError(`tenant must match ${TENANT_ID_PATTERN.source}.`, {
      field: "tenant",
    });
  }
  const plainKey = newApiKey();
  const keyId = newKeyId();
  const keyHash = sha256(plainKey);
  await keyStore.putKey({ keyHash, keyId, tenantId, role, scope, label, createdAt: isoNow() });
  return { keyId, tenantId, role, scope, plainKey, keyHash };
}

export async function listApiKeys(tenantId: string): Promise<ApiKeyItem[]> {
  return keyStore.listKeys(tenantId);
}

export async function revokeApiKey(keyId: string): Promise<ApiKeyItem | undefined> {
  return keyStore.revokeKey(keyId, isoNow());
}

/** The principal for a presented key, or undefined when it is unknown or revoked. */
export async function authenticate(
  plainKey: string | undefined,
): Promise<(Principal & { usageKey: string }) | undefined> {
  if (!plainKey || plainKey.length > 256) return undefined;
  const keyHash = sha256(plainKey);
  const item = await keyStore.findKeyByHash(keyHash);
  if (!item || item.revoked_at) return undefined;
  return {
    tenantId: item.tenant_id,
    keyId: item.key_id,
    role: item.role,
    scope: item.scope,
    usageKey: keyHash,
  };
}
