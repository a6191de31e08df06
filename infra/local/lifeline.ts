/**
 * Ties the local stack's life to the process that started it. A signal sent
 * to `npm start` reaches this process only when npm forwards it; if npm (or a
 * shell, a CI runner, `timeout`) dies without forwarding, this process is
 * re-parented, and that is the sign to stop every child too.
 */

/** Calls `onOrphaned` once when this process's parent changes (the parent died). */
export function watchParent(onOrphaned: () => void, intervalMs = 500): () => void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onOrphaned();
  }, intervalMs);
  // The watch alone must not keep the process alive.
  timer.unref();
  return () => clearInterval(timer);
}
