/**
 * The API key: kept in this tab's sessionStorage only, never in a URL, a
 * cookie or localStorage. Without one the page shows the key form alone.
 */
import { byId, notice } from "./dom.ts";

const KEY_NAME = "session-trail.api-key";

export const storedKey = (): string | null => sessionStorage.getItem(KEY_NAME);

export function storeKey(key: string): void {
  sessionStorage.setItem(KEY_NAME, key);
}

export function forgetKey(): void {
  sessionStorage.removeItem(KEY_NAME);
}

export function showKeyForm(message: string): void {
  byId("key-form").hidden = false;
  byId("key-state").hidden = true;
  byId("main").hidden = true;
  if (message) notice(message, "error");
  byId("key-input").focus();
}

export function showMain(): void {
  byId("key-form").hidden = true;
  byId("key-state").hidden = false;
  byId("main").hidden = false;
}
