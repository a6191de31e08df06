/**
 * The stateful resources: the sessions table, the workspace bucket and the
 * bucket its server access logs go to. They are retained when the stack is
 * deleted; everything else can be rebuilt.
 */
import { Duration, RemovalPolicy } from "aws-cdk-lib";
import {
  AttributeType,
  BillingMode,
  ProjectionType,
  StreamViewType,
  Table,
} from "aws-cdk-lib/aws-dynamodb";
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  HttpMethods,
  ObjectOwnership,
} from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";
import { GLOBAL_INDEXES, LOCAL_INDEXES, TABLE_STREAM_VIEW } from "#infra/table-definition.ts";
import { INDEX_KEY_ATTRIBUTES, TTL_ATTRIBUTE } from "#shared/storage/keys.ts";
import { acknowledgeFinding } from "./acknowledge.ts";

/** Every workspace object lives under this prefix; the retention rule applies to it. */
export const WORKSPACE_PREFIX = "workspaces/";

export interface StorageProps {
  /** Days a workspace object is kept after it was written. */
  retentionDays: number;
  /** Browser origins allowed to use presigned URLs; empty for none. */
  corsOrigins: readonly string[];
  /** Days the workspace bucket's server access logs are kept. */
  accessLogRetentionDays: number;
}

export class Storage extends Construct {
  readonly table: Table;
  readonly bucket: Bucket;
  readonly accessLogBucket: Bucket;

  constructor(scope: Construct, id: string, props: StorageProps) {
    super(scope, id);
    // Log delivery is allowed by a bucket policy rather than the legacy ACL, so
    // the log bucket, like every bucket here, keeps ACLs disabled.
    this.node.setContext("@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy", true);

    const key = (name: keyof typeof INDEX_KEY_ATTRIBUTES) => ({
      partitionKey: { name: INDEX_KEY_ATTRIBUTES[name].partition, type: AttributeType.STRING },
      sortKey: { name: INDEX_KEY_ATTRIBUTES[name].sort, type: AttributeType.STRING },
    });

    this.table = new Table(this, "Table", {
      ...key("table"),
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: TTL_ATTRIBUTE,
      // The push stream's fan-out reads new events from it.
      stream: StreamViewType[TABLE_STREAM_VIEW],
      removalPolicy: RemovalPolicy.RETAIN,
      // RETAIN keeps it when the stack goes; this keeps it from a delete by hand or a replacement.
      deletionProtection: true,
    });
    for (const indexName of GLOBAL_INDEXES) {
      this.table.addGlobalSecondaryIndex({
        indexName,
        ...key(indexName),
        projectionType: ProjectionType.ALL,
      });
    }
    for (const indexName of LOCAL_INDEXES) {
      if (INDEX_KEY_ATTRIBUTES[indexName].partition !== INDEX_KEY_ATTRIBUTES.table.partition) {
        throw new Error(`Local index ${indexName} must share the table's partition key.`);
      }
      this.table.addLocalSecondaryIndex({
        indexName,
        sortKey: key(indexName).sortKey,
        projectionType: ProjectionType.ALL,
      });
    }

    // Who read or wrote which workspace object, presigned URLs included: the
    // API's logs cannot tell, since clients talk to S3 directly.
    this.accessLogBucket = new Bucket(this, "AccessLogBucket", {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        { id: "expire-access-logs", expiration: Duration.days(props.accessLogRetentionDays) },
      ],
    });
    acknowledgeFinding(
      this.accessLogBucket,
      "AwsSolutions-S1",
      "This is the bucket server access logs are delivered to; logging its own access would log the log deliveries.",
    );

    this.bucket = new Bucket(this, "WorkspaceBucket", {
      serverAccessLogsBucket: this.accessLogBucket,
      serverAccessLogsPrefix: "workspace-bucket/",
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        {
          id: "expire-workspaces",
          prefix: WORKSPACE_PREFIX,
          expiration: Duration.days(props.retentionDays),
        },
        {
          id: "abort-incomplete-uploads",
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
      // Browsers upload and download workspace files directly with presigned URLs.
      cors:
        props.corsOrigins.length > 0
          ? [
              {
                allowedOrigins: [...props.corsOrigins],
                allowedMethods: [HttpMethods.GET, HttpMethods.PUT, HttpMethods.HEAD],
                allowedHeaders: ["*"],
                exposedHeaders: ["ETag"],
                maxAge: 3000,
              },
            ]
          : undefined,
    });
  }
}
