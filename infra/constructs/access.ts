/**
 * IAM statements for exactly the actions a function declares in the route
 * table: table actions on the table (and its indexes for queries only),
 * object actions on workspace objects only.
 */
import { type CfnElement, Stack } from "aws-cdk-lib";
import { PolicyStatement, type Role } from "aws-cdk-lib/aws-iam";
import type { BucketAction, FunctionAccess, TableAction } from "#shared/contract/routes.ts";
import { acknowledgeFinding } from "./acknowledge.ts";
import type { Storage } from "./storage.ts";
import { WORKSPACE_PREFIX } from "./storage.ts";

export const TABLE_IAM_ACTIONS: Readonly<Record<TableAction, string>> = {
  get: "dynamodb:GetItem",
  batchGet: "dynamodb:BatchGetItem",
  query: "dynamodb:Query",
  put: "dynamodb:PutItem",
  update: "dynamodb:UpdateItem",
  delete: "dynamodb:DeleteItem",
  batchWrite: "dynamodb:BatchWriteItem",
  describe: "dynamodb:DescribeTable",
};

export const BUCKET_IAM_ACTIONS: Readonly<Record<BucketAction, string>> = {
  get: "s3:GetObject",
  put: "s3:PutObject",
  delete: "s3:DeleteObject",
  list: "s3:ListBucket",
};

/** Grants `role` the declared access, and nothing else, on the table and the bucket. */
export function grantDeclaredAccess(role: Role, access: FunctionAccess, storage: Storage): void {
  const statements: PolicyStatement[] = [];
  const itemActions = access.table.filter((action) => action !== "query");
  if (itemActions.length > 0) {
    statements.push(
      new PolicyStatement({
        actions: itemActions.map((action) => TABLE_IAM_ACTIONS[action]),
        resources: [storage.table.tableArn],
      }),
    );
  }
  const arnOf = (resource: { node: { defaultChild?: unknown } }) =>
    `<${Stack.of(storage).getLogicalId(resource.node.defaultChild as CfnElement)}.Arn>`;
  if (access.table.includes("query")) {
    acknowledgeFinding(
      role,
      `AwsSolutions-IAM5[Resource::${arnOf(storage.table)}/index/*]`,
      "Queries read the table's indexes (listing, events by time and type, due sessions); the grant is Query only.",
    );
    statements.push(
      new PolicyStatement({
        actions: [TABLE_IAM_ACTIONS.query],
        resources: [storage.table.tableArn, `${storage.table.tableArn}/index/*`],
      }),
    );
  }
  const objectActions = access.bucket.filter((action) => action !== "list");
  if (objectActions.length > 0) {
    acknowledgeFinding(
      role,
      `AwsSolutions-IAM5[Resource::${arnOf(storage.bucket)}/${WORKSPACE_PREFIX}*]`,
      "Workspace object keys are per tenant and session, known only at request time; the grant is limited to the workspaces/ prefix and the declared object actions.",
    );
    statements.push(
      new PolicyStatement({
        actions: objectActions.map((action) => BUCKET_IAM_ACTIONS[action]),
        resources: [storage.bucket.arnForObjects(`${WORKSPACE_PREFIX}*`)],
      }),
    );
  }
  if (access.bucket.includes("list")) {
    statements.push(
      new PolicyStatement({
        actions: [BUCKET_IAM_ACTIONS.list],
        resources: [storage.bucket.bucketArn],
        // Listings stay under the workspace prefix; a request without a prefix
        // (HeadBucket, or S3 deciding 404 against 403 for a missing object) passes.
        conditions: { StringLikeIfExists: { "s3:prefix": [`${WORKSPACE_PREFIX}*`] } },
      }),
    );
  }
  for (const statement of statements) role.addToPrincipalPolicy(statement);
}
