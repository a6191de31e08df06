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

/**
 * The request's headers under lower-case names, a header sent on several
 * lines read as one comma-separated list (RFC 9110 §5.3), as API Gateway
 * hands them in `multiValueHeaders`; `headers` alone keeps only the last line.
 */
export function requestHeaders(event: {
  headers?: Headers;
  multiValueHeaders?: Record<string, string[] | undefined> | null | undefined;
}): Record<string, string> {
  const combined = lowerCaseHeaders(event.headers);
  const lines = new Map<string, string[]>();
  for (const [name, values] of Object.entries(event.multiValueHeaders ?? {})) {
    const key = name.toLowerCase();
    lines.set(key, [...(lines.get(key) ?? []), ...(values ?? [])]);
  }
  for (const [name, values] of lines) {
    // An empty line adds no element to the list.
    if (values.length > 1) combined[name] = values.filter((value) => value.trim()).join(", ");
  }
  return combined;
}
