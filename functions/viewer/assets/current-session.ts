/**
 * Which session the panel shows. Every load started for a session checks,
 * when its answer comes, that the panel still shows that same view: a view
 * replaced or closed meanwhile drops what arrives for it.
 */
import { byId, notice } from "./dom.ts";

export interface SessionView {
  readonly id: string;
  /** The last event seq on the timeline; events at or below it are already shown. */
  cursor: number;
}

let current: SessionView | null = null;

export const isCurrent = (view: SessionView): boolean => view === current;

export const currentView = (): SessionView | null => current;

export const currentId = (): string => current?.id ?? "";

/** A fresh view of `id`, now the current one. */
export function beginView(id: string): SessionView {
  current = { id, cursor: 0 };
  return current;
}

/** Stops following the session: loads in flight drop their answers. */
export function stopSession(): void {
  current = null;
}

export function closeSession(): void {
  stopSession();
  byId("session").hidden = true;
}

/** Nothing to show or investigate: a notice, and no empty panel with live buttons. */
export function sessionNotFound(view: SessionView): void {
  if (!isCurrent(view)) return;
  notice(
    `Session ${view.id} was not found: it does not exist in this tenant, or was deleted.`,
    "error",
  );
  byId("poll-state").textContent = "stopped";
  closeSession();
}
