// The infrastructure as code, checked without AWS: the stack synthesized in-process and asserted
// resource by resource, then the real CDK CLI run offline on cdk.json.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { ClickstreamIngestStack } from '../cdk/stack.mjs';

const ingestDir = fileURLToPath(new URL('..', import.meta.url));
const run = promisify(execFile);
// The Lambda code is written separately; a stub keeps these tests independent of it.
const STUB_HANDLER = 'export const handler = async () => ({ statusCode: 200, body: "{}" });\n';

let tmp;
let template;
let bucketId;

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'clickstream-cdk-'));
  const stubDir = join(tmp, 'stub-lambda');
  await mkdir(stubDir);
  await writeFile(join(stubDir, 'handler.mjs'), STUB_HANDLER);
  // Same feature flags as the CLI reads from cdk.json, so both tests synthesize the same template.
  const { context } = JSON.parse(await readFile(join(ingestDir, 'cdk.json'), 'utf8'));
  const app = new App({ context, outdir: join(tmp, 'cdk.out') });
  const stack = new ClickstreamIngestStack(app, 'ClickstreamIngest', { lambdaDir: stubDir });
  template = Template.fromStack(stack);
  [bucketId] = Object.keys(template.findResources('AWS::S3::Bucket'));
});

after(() => rm(tmp, { recursive: true, force: true }));

test('stack: HTTP API, route, Lambda, bucket, put-only grant, outputs', () => {
  // API: HTTP protocol, CORS from the AllowedOrigins parameter (default *).
  template.hasParameter('AllowedOrigins', { Type: 'CommaDelimitedList', Default: '*' });
  template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
  template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
    Name: 'clickstream-http-api',
    ProtocolType: 'HTTP',
    CorsConfiguration: {
      AllowOrigins: { Ref: 'AllowedOrigins' },
      AllowMethods: ['POST', 'OPTIONS'],
      AllowHeaders: ['content-type', 'content-encoding'],
    },
  });
  template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
    StageName: '$default',
    AutoDeploy: true,
    DefaultRouteSettings: { ThrottlingRateLimit: Match.anyValue(), ThrottlingBurstLimit: Match.anyValue() },
  });
  template.resourceCountIs('AWS::ApiGatewayV2::Route', 1);
  template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /clickstream' });
  template.resourceCountIs('AWS::ApiGatewayV2::Integration', 1);
  template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
    IntegrationType: 'AWS_PROXY',
    PayloadFormatVersion: '2.0',
  });

  // Lambda: name, runtime nodejs22.x or newer, 128 MB, timeout under the 30 s integration limit.
  const functions = Object.values(template.findResources('AWS::Lambda::Function'));
  assert.equal(functions.length, 1);
  const fn = functions[0].Properties;
  assert.equal(fn.FunctionName, 'clickstream-lambda-ingest');
  const nodeMajor = Number(/^nodejs(\d+)\.x$/.exec(fn.Runtime)?.[1]);
  assert.ok(nodeMajor >= 22, `runtime ${fn.Runtime} is older than nodejs22.x`);
  assert.equal(fn.MemorySize, 128);
  assert.ok(fn.Timeout > 0 && fn.Timeout < 30, `timeout ${fn.Timeout}`);
  assert.equal(fn.Handler, 'handler.handler');
  assert.deepEqual(fn.Architectures, ['arm64']);
  assert.deepEqual(fn.Environment.Variables, {
    CLICKSTREAM_SINK: 's3',
    CLICKSTREAM_BUCKET: { Ref: bucketId },
    CLICKSTREAM_PREFIX: 'events',
    CLICKSTREAM_FORMAT: { Ref: 'EventFormat' },
    CLICKSTREAM_SOURCE_IP: { Ref: 'SourceIp' },
  });
  const logGroups = template.findResources('AWS::Logs::LogGroup', {
    Properties: { RetentionInDays: Match.anyValue() },
  });
  const [logGroupId] = Object.keys(logGroups);
  assert.deepEqual(fn.LoggingConfig, { LogGroup: { Ref: logGroupId } });

  // Bucket: named by account and region, encrypted, private, TLS only, lifecycle on events/, retained.
  template.resourceCountIs('AWS::S3::Bucket', 1);
  template.hasResource('AWS::S3::Bucket', {
    DeletionPolicy: 'Retain',
    UpdateReplacePolicy: 'Retain',
    Properties: {
      BucketName: { 'Fn::Join': ['', ['clickstream-raw-', { Ref: 'AWS::AccountId' }, '-', { Ref: 'AWS::Region' }]] },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LifecycleConfiguration: {
        Rules: [
          Match.objectLike({
            Status: 'Enabled',
            Prefix: 'events/',
            Transitions: [{ StorageClass: 'STANDARD_IA', TransitionInDays: 30 }],
            ExpirationInDays: Match.anyValue(),
          }),
        ],
      },
    },
  });
  template.hasResourceProperties('AWS::S3::BucketPolicy', {
    PolicyDocument: {
      Statement: Match.arrayWith([
        Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      ]),
    },
  });

  // IAM: the only S3 permission anywhere is PutObject on events/* of this bucket.
  const s3Statements = Object.values(template.findResources('AWS::IAM::Policy'))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement)
    .filter((statement) => [statement.Action].flat().some((action) => action.startsWith('s3:')));
  assert.deepEqual(s3Statements, [
    {
      Effect: 'Allow',
      Action: 's3:PutObject',
      Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/events/*']] },
    },
  ]);
  // Managed policies could grant S3 too: the role has only basic execution (logs).
  template.hasResourceProperties('AWS::IAM::Role', {
    ManagedPolicyArns: [
      {
        'Fn::Join': [
          '',
          ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
        ],
      },
    ],
  });

  const outputs = template.toJSON().Outputs;
  const [apiId] = Object.keys(template.findResources('AWS::ApiGatewayV2::Api'));
  assert.deepEqual(outputs.ClickstreamEndpoint.Value, {
    'Fn::Join': ['', [{ 'Fn::GetAtt': [apiId, 'ApiEndpoint'] }, '/clickstream']],
  });
  assert.deepEqual(outputs.RawBucketName.Value, { Ref: bucketId });
});

test('cdk synth: the CLI synthesizes cdk.json offline', async (t) => {
  // With the real handler folder present the app is synthesized in place; until then, a copy of the
  // app (cdk.json and cdk/ unchanged) next to a stub lambda/ folder, so nothing is written into lambda/.
  let cwd = ingestDir;
  if (!existsSync(join(ingestDir, 'lambda', 'handler.mjs'))) {
    t.diagnostic('examples/ingest/lambda/handler.mjs not found: synthesizing a copy of the app with a stub handler');
    cwd = join(tmp, 'app-copy');
    await cp(join(ingestDir, 'cdk'), join(cwd, 'cdk'), { recursive: true });
    await cp(join(ingestDir, 'cdk.json'), join(cwd, 'cdk.json'));
    await mkdir(join(cwd, 'lambda'));
    await writeFile(join(cwd, 'lambda', 'handler.mjs'), STUB_HANDLER);
    await symlink(join(ingestDir, 'node_modules'), join(cwd, 'node_modules'), 'dir');
  }
  const out = join(tmp, 'cli.out');
  // `npx --no` never downloads; without an instance metadata service the SDK's credential probe
  // would only add seconds of timeouts before the CLI carries on without credentials.
  await run('npx', ['--no', 'cdk', 'synth', '--quiet', '-o', out], {
    cwd,
    env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true', AWS_EC2_METADATA_DISABLED: 'true' },
    timeout: 120_000,
  });
  const synthesized = JSON.parse(await readFile(join(out, 'ClickstreamIngest.template.json'), 'utf8'));
  const types = Object.values(synthesized.Resources).map((resource) => resource.Type);
  for (const type of ['AWS::ApiGatewayV2::Api', 'AWS::Lambda::Function', 'AWS::S3::Bucket']) {
    assert.ok(types.includes(type), `${type} missing from the synthesized template`);
  }
  assert.ok(synthesized.Outputs.ClickstreamEndpoint);
});
