import { randomBytes, randomUUID } from "node:crypto";

/** `sess_` + 22 base64url characters: 128 random bits. */
export const SESSION_ID_PATTERN = /^sess_[A-Za-z0-9_-]{22}$/;

/** Tenant ids are part of every storage key, so their alphabet is narrow. */
export const TENANT_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** User ids become part of the open-session lock key; `#` is the key separator. */
export const USER_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@:+=-]{0,127}$/;

export const KEY_ID_PATTERN = /^key_[A-Za-z0-9_-]{16}$/;

export function newSessionId(): string {
  return `sess_${randomBytes(16).toString("base64url")}`;
}

export function isSessionId(value: string): boolean {
  return SESSION_ID_PATTERN.test(value);
}

export function newRecordId(): string {
  return randomUUID();
}

export function newKeyId(): string {
  return `key_${randomBytes(12).toString("base64url")}`;
}

/** The plain API key: shown once, stored only as its SHA-256 hash. */
export function newApiKey(): string {
  return `st_${randomBytes(32).toString("base64url")}`;
}
