/**
 * The IAM policy check API Gateway makes on an authorizer's answer: `*`
 * wildcards in each statement's resources, and an explicit Deny wins.
 */
import type { APIGatewayAuthorizerResult } from "aws-lambda";

/** A policy's statements with their resources compiled, built once per authorizer answer. */
type CompiledPolicy = { effect: string; resources: RegExp[] }[];

/** An answer is reused from the cache for many requests; its patterns are compiled once. */
const compiled = new WeakMap<APIGatewayAuthorizerResult, CompiledPolicy>();

/** IAM-style match of a method ARN against a policy resource with `*` wildcards. */
function resourcePattern(pattern: string): RegExp {
  return new RegExp(
    `^${pattern
      .split("*")
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*")}$`,
  );
}

function compile(result: APIGatewayAuthorizerResult): CompiledPolicy {
  const policy: CompiledPolicy = [];
  for (const statement of result.policyDocument.Statement) {
    if (!("Resource" in statement)) continue;
    const resources = Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
    policy.push({
      effect: statement.Effect,
      resources: resources.map((resource) => resourcePattern(String(resource))),
    });
  }
  return policy;
}

export function policyAllows(result: APIGatewayAuthorizerResult, methodArn: string): boolean {
  let policy = compiled.get(result);
  if (!policy) {
    policy = compile(result);
    compiled.set(result, policy);
  }
  let allowed = false;
  for (const statement of policy) {
    if (!statement.resources.some((resource) => resource.test(methodArn))) continue;
    if (statement.effect === "Deny") return false;
    allowed = true;
  }
  return allowed;
}
