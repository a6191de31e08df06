/**
 * Which role may call which route: the part of the route table the authorizer
 * needs, without the zod schemas. The deployed authorizer reads it as JSON
 * written when it is bundled, so the schemas stay out of its start-up.
 */
import * as z from "zod";
import { ROLES, type Role } from "#shared/domain/principal.ts";

export const RouteAccess = z.object({
  method: z.string().min(1),
  path: z.string().startsWith("/"),
  roles: z.union([z.array(z.enum(ROLES)), z.literal("public")]),
});
export type RouteAccess = z.infer<typeof RouteAccess>;
export const RouteAccessTable = z.array(RouteAccess).min(1);

/** Whether `role` may call the route. */
export function mayCall(
  route: { roles: readonly Role[] | "public" },
  role: Role | undefined,
): boolean {
  if (route.roles === "public") return true;
  return role !== undefined && route.roles.includes(role);
}

/** Routes a role may call, as API Gateway method ARN patterns (`*` for path parameters). */
export function allowedResources(
  routes: readonly { method: string; path: string; roles: readonly Role[] | "public" }[],
  role: Role,
  methodArnPrefix: string,
): string[] {
  return routes
    .filter((route) => mayCall(route, role))
    .map((route) => `${methodArnPrefix}/${route.method}${route.path.replace(/\{[^}]+\}/g, "*")}`);
}
