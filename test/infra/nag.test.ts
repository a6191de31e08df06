/**
 * AWS's own rule pack for CDK apps (cdk-nag's AWS Solutions checks) on the
 * stack: synthesis fails on any finding that is not acknowledged, and every
 * acknowledgment names its rule and a reason of this stack's. The other packs
 * (Serverless, NIST 800-53 R5, HIPAA, PCI DSS 3.2.1) run as a report: their
 * findings are printed, and only the ones this stack takes as real fail
 * (docs/deploy.md says why the rest do not apply).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { App, type IPolicyValidationPluginBeta1, Validations } from "aws-cdk-lib";
import {
  AwsSolutionsChecks,
  HIPAASecurityChecks,
  NIST80053R5Checks,
  PCIDSS321Checks,
  ServerlessChecks,
} from "cdk-nag";
import type { Construct } from "constructs";
import { describe, expect, it } from "vitest";
import { SessionTrailStack } from "#infra/stack.ts";

interface Violation {
  ruleName: string;
  description: string;
  /** The report names a finding's resources in one of these, depending on how it was made. */
  violatingResources?: { resourceLogicalId: string; locations: string[] }[];
  violatingConstructs?: { constructPath: string }[];
}

/** Synthesizes with the packs and answers their unacknowledged findings (none when synth passes). */
function findings(
  context: Record<string, unknown>,
  packs: (app: App) => IPolicyValidationPluginBeta1[] = (app) => [new AwsSolutionsChecks(app)],
): { app: App; violations: string[] } {
  // The rules read the template only, so bundling is skipped.
  const app = new App({ context: { "aws:cdk:bundling-stacks": [], ...context } });
  new SessionTrailStack(app, "SessionTrailNag");
  Validations.of(app).addPlugins(...packs(app));
  try {
    app.synth();
    return { app, violations: [] };
  } catch (error) {
    const report = JSON.parse(readFileSync(join(app.outdir, "validation-report.json"), "utf8")) as {
      pluginReports: { violations: Violation[] }[];
    };
    const violations = report.pluginReports.flatMap((plugin) =>
      plugin.violations.flatMap((violation) =>
        [
          ...(violation.violatingResources ?? []).map((resource) => resource.resourceLogicalId),
          ...(violation.violatingConstructs ?? []).map((construct) => construct.constructPath),
        ].map((where) => `${violation.ruleName} on ${where}`),
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

/**
 * The other packs' findings this stack takes as real: any of them fails the
 * report. A rule is matched by its name after the pack's prefix.
 */
const REAL_FINDINGS: { rule: string; resource?: RegExp }[] = [
  // What the web ACL blocked must be reviewable after the fact.
  { rule: "WAFv2LoggingEnabled" },
  // A scheduled run EventBridge could not deliver must land somewhere an operator sees.
  { rule: "EventBusDLQ" },
  // Two expiry runs must never overlap.
  { rule: "LambdaConcurrency", resource: /\/ExpireFunction\/Resource$/ },
];

/** `<pack>-<rule> on <construct path>`, as findings() spells a finding. */
const FINDING = /^[A-Za-z0-9.]+-(\S+) on (\S+)$/;

const isReal = (finding: string): boolean => {
  const [, rule = "", resource = ""] = FINDING.exec(finding) ?? [];
  return REAL_FINDINGS.some(
    (real) => real.rule === rule && (real.resource === undefined || real.resource.test(resource)),
  );
};

describe("the other AWS rule packs (cdk-nag Serverless, NIST 800-53 R5, HIPAA, PCI DSS 3.2.1)", () => {
  it("find none of the findings this stack takes as real, with the WAF web ACL on", () => {
    const { violations } = findings({ wafRateLimitPer5Min: "1000" }, (app) => [
      new ServerlessChecks(app),
      new NIST80053R5Checks(app),
      new HIPAASecurityChecks(app),
      new PCIDSS321Checks(app),
    ]);
    // The report: every remaining finding, by rule, with how many resources it names.
    const byRule = new Map<string, number>();
    for (const finding of violations) {
      const rule = finding.split(" on ")[0] ?? finding;
      byRule.set(rule, (byRule.get(rule) ?? 0) + 1);
    }
    console.log(
      [...byRule]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([rule, count]) => `${rule}: ${count}`)
        .join("\n"),
    );
    // The packs ran, and every finding reads so that the list above can match it.
    expect(violations.length).toBeGreaterThan(0);
    for (const finding of violations) expect(finding).toMatch(FINDING);
    expect(violations.filter(isReal)).toEqual([]);
  });
});
