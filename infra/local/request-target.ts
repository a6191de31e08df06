/**
 * The request target as API Gateway routes it: the path exactly as sent, with
 * no `.` or `..` segment resolved and nothing decoded (WHATWG `URL` would
 * resolve both, also when percent-encoded), and the query string parsed.
 */

export interface RequestTarget {
  readonly pathname: string;
  readonly searchParams: URLSearchParams;
}

/** An absolute-form target (`http://host/path`) names the same path as its origin form. */
const ABSOLUTE_FORM = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/;

export function requestTarget(raw: string | undefined): RequestTarget {
  const target = (raw ?? "/").replace(ABSOLUTE_FORM, "");
  const query = target.indexOf("?");
  const path = query === -1 ? target : target.slice(0, query);
  return {
    pathname: path.startsWith("/") ? path : `/${path}`,
    searchParams: new URLSearchParams(query === -1 ? "" : target.slice(query + 1)),
  };
}

/**
 * A path parameter decoded once. One that is not valid percent-encoding is
 * handed on as sent, so the route's own rules refuse it with their reason
 * rather than the gateway answering that no route exists.
 */
export function decodePathParameter(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}
