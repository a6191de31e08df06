/** HTTP header names are case-insensitive; API Gateway passes them as the client sent them. */
type Headers = Record<string, string | undefined> | null | undefined;

/** The value of one header, whatever the case of its name. */
export function headerValue(headers: Headers, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers ?? {})) {
    if (key.toLowerCase() === wanted && value !== undefined) return value;
  }
  return undefined;
}

/** Every header under its lower-case name. */
export function lowerCaseHeaders(headers: Headers): Record<string, string> {
  const lowered: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value !== undefined) lowered[name.toLowerCase()] = value;
  }
  return lowered;
}
