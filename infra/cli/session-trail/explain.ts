/**
 * What an API error means for the person at the terminal: the error body
 * says what went wrong; this adds what to do next from what the answer and
 * the route table know (the session that is in the way, the role needed).
 */
import { ROUTES } from "#shared/contract/routes.ts";
import type { ApiError } from "./errors.ts";

/** Whether a request path fits a route template (`{id}` one segment, `{path+}` the rest). */
function fits(template: string, path: string): boolean {
  const wanted = template.split("/");
  const given = path.split("/");
  for (const [index, part] of wanted.entries()) {
    if (/^\{[^}]+\+\}$/.test(part)) return given.length > index;
    const segment = given[index];
    if (segment === undefined) return false;
    if (/^\{[^}]+\}$/.test(part) ? segment === "" : segment !== part) return false;
  }
  return given.length === wanted.length;
}

/** The roles the route table allows for a request, or undefined when no route matches. */
export function rolesFor(method: string, path: string): readonly string[] | "public" | undefined {
  const bare = path.split("?")[0] ?? path;
  return ROUTES.find((route) => route.method === method && fits(route.path, bare))?.roles;
}

function detail(details: unknown, name: string): string | undefined {
  if (typeof details !== "object" || details === null || !(name in details)) return undefined;
  const value = (details as Record<string, unknown>)[name];
  return typeof value === "string" ? value : undefined;
}

/** The line printed after `session-trail: CODE: `. */
export function explainApiError(error: ApiError): string {
  if (error.code === "ACTIVE_SESSION_EXISTS") {
    const active = detail(error.details, "active_session_id");
    return active
      ? `${error.message} The open session is ${active} (session-trail show ${active}).`
      : `${error.message} This key may not see the open session, so its id is not shown.`;
  }
  if (error.code === "FORBIDDEN" && error.request) {
    const roles = rolesFor(error.request.method, error.request.path);
    if (Array.isArray(roles)) {
      const list =
        roles.length > 1 ? `${roles.slice(0, -1).join(", ")} or ${roles.at(-1)}` : roles[0];
      return `${error.message} ${error.request.method} ${error.request.path} needs a key with the role ${list}.`;
    }
  }
  return error.message;
}
