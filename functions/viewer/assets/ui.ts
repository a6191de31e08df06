/**
 * Small parts people expect of a page: local times with UTC on hover, a copy
 * button, a log that opens at its end, one-click downloads, sizes and counts
 * in words.
 */

const LOCAL = new Intl.DateTimeFormat(undefined, {
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
});

/** A <time> in the viewer's zone; the exact UTC instant in its title. */
export function time(iso: string | null | undefined, fallback = "-"): HTMLTimeElement {
  const node = document.createElement("time");
  const date = iso ? new Date(iso) : undefined;
  if (!iso || !date || Number.isNaN(date.getTime())) {
    node.textContent = iso ?? fallback;
    return node;
  }
  node.dateTime = iso;
  node.textContent = LOCAL.format(date);
  node.title = `${iso} (UTC)`;
  return node;
}

async function copyText(value: string): Promise<void> {
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
}

/** A button that copies `text()`; says "Copied" for a moment. */
export function copyButton(label: string, text: () => string): HTMLButtonElement {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "copy";
  button.textContent = label;
  button.addEventListener("click", async () => {
    await copyText(text());
    button.textContent = "Copied";
    setTimeout(() => {
      button.textContent = label;
    }, 1500);
  });
  return button;
}

/** Shows the end of a scrolled box: a log's last lines are the telling ones. */
export function scrollToEnd(node: HTMLElement | null): void {
  if (node) node.scrollTop = node.scrollHeight;
}

/** Opens a presigned link in a new tab, within the click that asked for it. */
export function openLink(href: string): void {
  const anchor = document.createElement("a");
  anchor.href = href;
  anchor.target = "_blank";
  anchor.rel = "noopener noreferrer";
  anchor.click();
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let value = bytes / 1024;
  let unit = units[0];
  for (const next of units.slice(1)) {
    if (value < 1024) break;
    value /= 1024;
    unit = next;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${unit}`;
}

export const plural = (count: number, noun: string): string =>
  `${count} ${noun}${count === 1 ? "" : "s"}`;
