// @ts-nocheck: not typed yet; `npm run typecheck` (tsconfig.viewer.json) checks it once this line goes.
// Small parts of the viewer that people expect of a page: local times with
// UTC on hover, a copy button, a log that opens at its end, one-click
// downloads, and the session id in the URL fragment. viewer.ts imports it
// first, so both are one built script under one CSP hash.
globalThis.SessionTrailUi = (() => {
  const LOCAL = new Intl.DateTimeFormat(undefined, {
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  });

  /** A <time> in the viewer's zone; the exact UTC instant in its title. */
  function time(iso, fallback = "-") {
    const node = document.createElement("time");
    const date = iso ? new Date(iso) : undefined;
    if (!date || Number.isNaN(date.getTime())) {
      node.textContent = iso ?? fallback;
      return node;
    }
    node.dateTime = iso;
    node.textContent = LOCAL.format(date);
    node.title = `${iso} (UTC)`;
    return node;
  }

  /** A button that copies `text()`; says "Copied" for a moment. */
  function copyButton(label, text) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "copy";
    button.textContent = label;
    button.addEventListener("click", async () => {
      const value = text();
      try {
        await navigator.clipboard.writeText(value);
      } catch {
        // No clipboard permission (an http origin): copy through a selection.
        const area = document.createElement("textarea");
        area.value = value;
        document.body.append(area);
        area.select();
        document.execCommand("copy");
        area.remove();
      }
      button.textContent = "Copied";
      setTimeout(() => {
        button.textContent = label;
      }, 1500);
    });
    return button;
  }

  /** Shows the end of a scrolled box: a log's last lines are the telling ones. */
  function scrollToEnd(node) {
    if (node) node.scrollTop = node.scrollHeight;
  }

  /** Opens a presigned link in a new tab, within the click that asked for it. */
  function openLink(href) {
    const anchor = document.createElement("a");
    anchor.href = href;
    anchor.target = "_blank";
    anchor.rel = "noopener noreferrer";
    anchor.click();
  }

  /** The session id in the URL fragment, or "". */
  function hashId() {
    return decodeURIComponent(location.hash.slice(1));
  }

  /** Puts the id in the fragment as a new history entry, so Back returns to the one before. */
  function pushHash(id) {
    if (hashId() !== id) history.pushState(null, "", id ? `#${id}` : location.pathname);
  }

  return { time, copyButton, scrollToEnd, openLink, hashId, pushHash };
})();
