// The reference ingest on AWS: HTTP API (POST /clickstream) -> Lambda -> S3 raw bucket (DESIGN.md §3).
import { CfnOutput, CfnParameter, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { CorsHttpMethod, HttpApi, HttpMethod, PayloadFormatVersion } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Architecture, Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption, StorageClass } from 'aws-cdk-lib/aws-s3';

// Objects land under events/YYYY/MM/DD/HH/; the lifecycle rule and the put grant share this prefix.
const PREFIX = 'events';
// Raw files move to Infrequent Access once the ETL (which reads recent hours) is done with them,
// and are kept one year so the warehouse can be rebuilt from them.
const INFREQUENT_ACCESS_AFTER_DAYS = 30;
const RETENTION_DAYS = 365;
// Stage-wide limits so a misbehaving client cannot run up the Lambda/S3 bill; one request carries up
// to 500 events, so this is far above what the reference shop produces.
const THROTTLE = { rateLimit: 100, burstLimit: 200 };

export class ClickstreamIngestStack extends Stack {
  /**
   * @param {import('constructs').Construct} scope
   * @param {string} id
   * @param {import('aws-cdk-lib').StackProps & { lambdaDir: string }} props
   *   lambdaDir: the folder deployed as the Lambda asset (entry handler.mjs, export handler).
   */
  constructor(scope, id, props) {
    const { lambdaDir, ...stackProps } = props ?? {};
    if (!lambdaDir) throw new Error('ClickstreamIngestStack: props.lambdaDir is required');
    super(scope, id, {
      description: 'clickstream-sdk reference ingest: HTTP API -> Lambda -> S3 raw bucket',
      ...stackProps,
    });

    const allowedOrigins = new CfnParameter(this, 'AllowedOrigins', {
      type: 'CommaDelimitedList',
      default: '*',
      description: 'Origins allowed by CORS, comma separated (e.g. https://main.<app>.amplifyapp.com)',
    });
    const eventFormat = new CfnParameter(this, 'EventFormat', {
      type: 'String',
      default: 'json',
      allowedValues: ['json', 'ndjson'],
      description: 'Body of each stored object: a JSON array or newline-delimited JSON',
    });
    const sourceIp = new CfnParameter(this, 'SourceIp', {
      type: 'String',
      default: 'truncated',
      allowedValues: ['full', 'truncated', 'omit'],
      description: 'How the client IP is recorded on each event',
    });

    const bucket = new Bucket(this, 'RawBucket', {
      bucketName: `clickstream-raw-${this.account}-${this.region}`,
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      // No versioning: every key is written once (If-None-Match: *), so versions would only add cost.
      lifecycleRules: [
        {
          id: 'raw-events-retention',
          prefix: `${PREFIX}/`,
          transitions: [
            {
              storageClass: StorageClass.INFREQUENT_ACCESS,
              transitionAfter: Duration.days(INFREQUENT_ACCESS_AFTER_DAYS),
            },
          ],
          expiration: Duration.days(RETENTION_DAYS),
        },
      ],
      // Raw events are the source of truth for the warehouse: deleting the stack must not delete them.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const fn = new LambdaFunction(this, 'IngestFunction', {
      functionName: 'clickstream-lambda-ingest',
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: 128,
      // Well under the HTTP API's 30 s integration timeout, so the client gets the Lambda's own answer.
      timeout: Duration.seconds(10),
      handler: 'handler.handler',
      code: Code.fromAsset(lambdaDir),
      environment: {
        CLICKSTREAM_SINK: 's3',
        CLICKSTREAM_BUCKET: bucket.bucketName,
        CLICKSTREAM_PREFIX: PREFIX,
        CLICKSTREAM_FORMAT: eventFormat.valueAsString,
        CLICKSTREAM_SOURCE_IP: sourceIp.valueAsString,
      },
      // An explicit log group gives the logs a retention instead of CloudWatch's keep-forever default.
      logGroup: new LogGroup(this, 'IngestLogs', {
        retention: RetentionDays.ONE_MONTH,
        removalPolicy: RemovalPolicy.DESTROY,
      }),
    });
    // Put-only: the function never reads, lists or deletes, and bucket.grantPut would add more actions.
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['s3:PutObject'],
        resources: [bucket.arnForObjects(`${PREFIX}/*`)],
      }),
    );

    const api = new HttpApi(this, 'HttpApi', {
      apiName: 'clickstream-http-api',
      // API Gateway answers preflight itself (and ignores CORS headers from the Lambda). Preflight only
      // happens for application/json or gzip bodies; the SDK's default text/plain is a simple request.
      corsPreflight: {
        allowOrigins: allowedOrigins.valueAsList,
        allowMethods: [CorsHttpMethod.POST, CorsHttpMethod.OPTIONS],
        allowHeaders: ['content-type', 'content-encoding'],
        maxAge: Duration.hours(1),
      },
      // The default stage is created below, because only an explicit stage takes throttling settings.
      createDefaultStage: false,
    });
    api.addStage('DefaultStage', { stageName: '$default', autoDeploy: true, throttle: THROTTLE });
    api.addRoutes({
      path: '/clickstream',
      methods: [HttpMethod.POST],
      integration: new HttpLambdaIntegration('IngestIntegration', fn, {
        payloadFormatVersion: PayloadFormatVersion.VERSION_2_0,
      }),
    });

    new CfnOutput(this, 'ClickstreamEndpoint', {
      value: `${api.apiEndpoint}/clickstream`,
      description: 'The SDK endpoint: createTracker({ endpoint }) / cfg.endpoint',
    });
    new CfnOutput(this, 'RawBucketName', {
      value: bucket.bucketName,
      description: 'Raw clickstream bucket (objects under events/YYYY/MM/DD/HH/)',
    });
  }
}
