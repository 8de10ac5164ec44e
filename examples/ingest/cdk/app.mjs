// The CDK app (cdk.json runs it): one stack deploying the real handler folder.
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import { ClickstreamIngestStack } from './stack.mjs';

const app = new App();
new ClickstreamIngestStack(app, 'ClickstreamIngest', {
  lambdaDir: fileURLToPath(new URL('../lambda/', import.meta.url)),
});
