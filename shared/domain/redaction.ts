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

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

export class Redactor {
  private readonly names: RegExp | undefined;

  /** `names`: literal strings that must never be shown (bucket and table names). */
  constructor(names: readonly string[] = []) {
    const usable = names.filter((name) => name.length >= 3);
    this.names = usable.length ? new RegExp(usable.map(escapeRegExp).join("|"), "gi") : undefined;
  }

  text(value: string): string {
    let result = value;
    for (const { pattern, placeholder } of PATTERNS) result = result.replace(pattern, placeholder);
    if (this.names) result = result.replace(this.names, "<redacted>");
    return result;
  }

  /** A JSON value with every string (keys included) scrubbed. */
  json(value: unknown): unknown {
    if (typeof value === "string") return this.text(value);
    if (Array.isArray(value)) return value.map((item) => this.json(item));
    if (typeof value === "object" && value !== null) {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) out[this.text(key)] = this.json(item);
      return out;
    }
    return value;
  }
}
