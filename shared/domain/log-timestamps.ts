/** Timestamps of log lines: a JSON-lines `timestamp` field or a leading ISO 8601 one. */

/** Leading bytes of a line looked at for its timestamp. */
export const TIMESTAMP_PROBE_BYTES = 4096;

const LEADING_TIMESTAMP =
  /^\[?(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:[.,](\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?(?![\d:])/;
const JSON_TIMESTAMP_FIELD = /"timestamp"\s*:\s*"([^"]{10,40})"/;

/** An ISO-like timestamp as ISO 8601 UTC with milliseconds, or null when it is not one. */
export function normalizeTimestamp(text: string): string | null {
  const match = LEADING_TIMESTAMP.exec(text.trim());
  if (!match) return null;
  const [, date, time, fraction = "", zone] = match;
  const millis = `${fraction}000`.slice(0, 3);
  const offset =
    zone === undefined || zone === "Z" ? "Z" : zone.replace(/^([+-]\d{2})(\d{2})$/, "$1:$2");
  const parsed = Date.parse(`${date}T${time}.${millis}${offset}`);
  return Number.isNaN(parsed) ? null : new Date(parsed).toISOString();
}

/** The timestamp of a log line: a JSON-lines `timestamp` field or a leading ISO timestamp. */
export function lineTimestamp(line: string): string | null {
  const trimmed = line.trimStart();
  if (trimmed.startsWith("{")) {
    try {
      const value: unknown = JSON.parse(trimmed);
      if (typeof value === "object" && value !== null && "timestamp" in value) {
        const field = value.timestamp;
        return typeof field === "string" ? normalizeTimestamp(field) : null;
      }
      return null;
    } catch {
      const field = JSON_TIMESTAMP_FIELD.exec(trimmed)?.[1];
      return field === undefined ? null : normalizeTimestamp(field);
    }
  }
  return normalizeTimestamp(trimmed);
}
