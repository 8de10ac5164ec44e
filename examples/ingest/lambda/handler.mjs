// The Lambda entry (nodejs22.x, ESM): API Gateway HTTP API, payload format 2.0. Configured by
// CLICKSTREAM_* environment variables (examples/ingest/README.md); a bad value fails the cold start.
import { createIngest, settingsFromEnv } from './ingest.mjs';
import { fsSink, s3ClientOptions, s3Sink } from './sinks.mjs';
import { loadValidator } from './validate.mjs';

const settings = settingsFromEnv(process.env, { sink: 's3' });

async function sinkFor(s) {
  if (s.sink === 'fs') {
    if (!s.dataDir) throw new Error('CLICKSTREAM_DATA_DIR is required with CLICKSTREAM_SINK=fs');
    return fsSink({ dir: s.dataDir });
  }
  const { S3Client } = await import('@aws-sdk/client-s3');
  return s3Sink({ bucket: s.bucket, client: new S3Client(s3ClientOptions(s.s3Endpoint)) });
}

// Everything slow happens once per execution environment, in the init phase (module load): the
// AWS SDK import, the S3 client and the wasm compilation, so no request pays for them.
const ingest = createIngest({ sink: await sinkFor(settings), settings });
await loadValidator();

export async function handler(event, context) {
  return ingest(event, context);
}
