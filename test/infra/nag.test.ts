/**
 * AWS's own rule pack for CDK apps (cdk-nag's AWS Solutions checks) on the
 * stack: synthesis fails on any finding that is not acknowledged, and every
 * acknowledgment names its rule and a reason of this stack's.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { App, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import type { Construct } from "constructs";
import { describe, expect, it } from "vitest";
import { SessionTrailStack } from "#infra/stack.ts";

interface Violation {
  ruleName: string;
  description: string;
  violatingResources: { resourceLogicalId: string; locations: string[] }[];
}

/** Synthesizes with the pack and answers its unacknowledged findings (none when synth passes). */
function findings(context: Record<string, unknown>): { app: App; violations: string[] } {
  // The rules read the template only, so bundling is skipped.
  const app = new App({ context: { "aws:cdk:bundling-stacks": [], ...context } });
  new SessionTrailStack(app, "SessionTrailNag");
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  try {
    app.synth();
    return { app, violations: [] };
  } catch (error) {
    const report = JSON.parse(readFileSync(join(app.outdir, "validation-report.json"), "utf8")) as {
      pluginReports: { violations: Violation[] }[];
    };
    const violations = report.pluginReports.flatMap((plugin) =>
      plugin.violations.flatMap((violation) =>
        violation.violatingResources.map(
          (resource) => `${violation.ruleName} on ${resource.resourceLogicalId}`,
        ),
      ),
    );
    if (violations.length === 0) throw error;
    return { app, violations };
  }
}

/** Every acknowledgment recorded in the tree, as rule id and reason. */
function acknowledgments(root: Construct): { id: string; reason: string }[] {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, unknown>).map(([id, reason]) => ({
          id,
          reason: String(reason),
        })),
      ),
  );
}

describe("AWS Solutions checks (cdk-nag)", () => {
  it("find nothing unacknowledged in the stack with default settings", () => {
    expect(findings({}).violations).toEqual([]);
  });

  it("find nothing unacknowledged with CORS origins, the WAF web ACL and tracing off", () => {
    const { violations } = findings({
      corsOrigins: "https://console.example.com",
      wafRateLimitPer5Min: "1000",
      tracing: "false",
    });
    expect(violations).toEqual([]);
  });

  it("accept only acknowledgments that name an AWS Solutions rule and give a reason", () => {
    const { app } = findings({});
    const all = acknowledgments(app);
    expect(all.length).toBeGreaterThan(0);
    for (const { id, reason } of all) {
      expect(id).toMatch(/^AwsSolutions::AwsSolutions-[A-Z]+[0-9]+(\[.+\])?$/);
      expect(reason.length, id).toBeGreaterThan(40);
    }
  });
});
