/**
 * Scrubbing text that came from a workspace (status files, log lines) before
 * it is shown to a caller: processing workers write absolute paths, storage
 * locations, internal URLs and ARNs into their logs, and none of that may
 * reach a mobile app or a support engineer. What is removed is replaced by a
 * placeholder that says what kind of thing was there.
 */

const PATTERNS: readonly { pattern: RegExp; placeholder: string }[] = [
  { pattern: /\barn:[A-Za-z0-9-]*:[^\s"'<>]*/gi, placeholder: "<arn>" },
  { pattern: /\bs3a?:\/\/[^\s"'<>]*/gi, placeholder: "<storage-location>" },
  { pattern: /\bfile:\/\/[^\s"'<>]*/gi, placeholder: "<path>" },
  // URLs name hosts behind the service; they go whole.
  { pattern: /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]*/gi, placeholder: "<url>" },
  // Windows drive paths and UNC shares.
  { pattern: /(?<![A-Za-z0-9])[A-Za-z]:[\\/][^\s"'<>|]*/g, placeholder: "<path>" },
  { pattern: /\\\\[^\s"'<>|\\]+(?:\\[^\s"'<>|\\]*)*/g, placeholder: "<path>" },
  // Home-relative and absolute POSIX paths; `a/b` (a relative path) is kept.
  { pattern: /(?<![\w.~-])~\/[^\s"'<>|]*/g, placeholder: "<path>" },
  { pattern: /(?<![\w.~/-])\/(?!\/)[^\s"'<>|,;()[\]{}]+/g, placeholder: "<path>" },
];

/**
 * Characters that change how the rest of a text is shown rather than show
 * themselves: C0 controls but tab and line feed, DEL, C1 controls (`\u009b`
 * starts a terminal sequence like ESC [), and the bidirectional embeddings,
 * overrides and isolates that reorder what follows them.
 */
const UNSHOWABLE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to replace them.
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
export const REPLACEMENT_CHARACTER = "\uFFFD";

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function define(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

export class Redactor {
  private readonly names: RegExp | undefined;

  /** `names`: literal strings that must never be shown (bucket and table names). */
  constructor(names: readonly string[] = []) {
    const usable = names.filter((name) => name.length >= 3);
    this.names = usable.length ? new RegExp(usable.map(escapeRegExp).join("|"), "gi") : undefined;
  }

  text(value: string): string {
    let result = value.replace(UNSHOWABLE, REPLACEMENT_CHARACTER);
    for (const { pattern, placeholder } of PATTERNS) result = result.replace(pattern, placeholder);
    if (this.names) result = result.replace(this.names, "<redacted>");
    return result;
  }

  /**
   * A JSON value with every string (keys included) scrubbed. Walked without
   * recursion, so no nesting overflows the stack; members are defined, not
   * assigned, so a `__proto__` member stays a member.
   */
  json(value: unknown): unknown {
    const root: { value?: unknown } = {};
    const pending: { source: unknown; into: object; key: string }[] = [
      { source: value, into: root, key: "value" },
    ];
    for (let next = pending.pop(); next; next = pending.pop()) {
      const { source, into, key } = next;
      let copy: unknown = source;
      if (typeof source === "string") copy = this.text(source);
      else if (Array.isArray(source)) {
        const items: unknown[] = new Array(source.length);
        source.forEach((item, index) => {
          pending.push({ source: item, into: items, key: String(index) });
        });
        copy = items;
      } else if (typeof source === "object" && source !== null) {
        const members: Record<string, unknown> = {};
        for (const [name, item] of Object.entries(source)) {
          const scrubbed = this.text(name);
          // Reserved now so members keep their order when filled in later.
          define(members, scrubbed, null);
          pending.push({ source: item, into: members, key: scrubbed });
        }
        copy = members;
      }
      define(into, key, copy);
    }
    return root.value;
  }
}
