/**
 * The page's elements and the one notice line. Whatever the API says is put
 * on the page as text or as an attribute value, never parsed as HTML.
 */

/** An element of the page's markup (functions/viewer/page.ts), which always holds it. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (node === null) throw new Error(`the page has no #${id}`);
  // The markup is built with the script; each id names the element kind its caller asks for.
  return node as T;
}

export interface ElementOptions {
  text?: string | number | null | undefined;
  className?: string | undefined;
  attrs?: Record<string, string>;
}

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  options: ElementOptions = {},
  children: readonly (Node | string)[] = [],
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (options.text !== undefined && options.text !== null) node.textContent = String(options.text);
  if (options.className) node.className = options.className;
  for (const [name, value] of Object.entries(options.attrs ?? {})) node.setAttribute(name, value);
  for (const child of children) node.append(child);
  return node;
}

// Which part of the page the notice is about, so one part clears only its own.
let noticeSource = "";

export function notice(text: string, kind: "info" | "error" = "info", source = ""): void {
  const box = byId("notice");
  box.textContent = text;
  box.className = kind === "error" ? "notice error" : "notice";
  box.hidden = !text;
  noticeSource = source;
}

export function clearNotice(source: string): void {
  if (noticeSource === source) notice("");
}
