// Where accepted batches go. Both sinks share one interface:
//   put(key, body, contentType) → Promise<'stored' | 'exists'>, throwing when storage failed.
// Both are write-once per key, so a retried batch (same batch_id, same hour) is stored once, and
// neither ever leaves a partial object behind.
import { randomUUID } from 'node:crypto';
import { link, mkdir, open, unlink } from 'node:fs/promises';
import path from 'node:path';

/** Files under `dir`, the key as relative path (the collector, tests, a laptop). */
export function fsSink({ dir }) {
  const root = path.resolve(dir);
  return {
    async put(key, body) {
      const file = path.join(root, key);
      const folder = path.dirname(file);
      await mkdir(folder, { recursive: true });
      // Written whole to a temp name in the same folder (dot-prefixed: readers skip it), then
      // hard-linked into place: link() is atomic and fails with EEXIST when the key exists, unlike
      // rename(), which would replace it.
      const tmp = path.join(folder, `.${path.basename(file)}.${randomUUID()}.tmp`);
      try {
        const fh = await open(tmp, 'wx');
        try {
          await fh.writeFile(body);
          await fh.sync();
        } finally {
          await fh.close();
        }
        await link(tmp, file);
        return 'stored';
      } catch (e) {
        if (e.code === 'EEXIST') return 'exists';
        throw e;
      } finally {
        await unlink(tmp).catch(() => {});
      }
    },
  };
}

/**
 * S3 client options: the Lambda's region and role by default; with an endpoint (s3rver, another
 * local S3), path-style addressing and, when no credentials are in the environment, s3rver's
 * well-known local pair.
 */
export function s3ClientOptions(endpoint) {
  const region = process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || 'us-east-1';
  if (!endpoint) return { region };
  const options = { region, endpoint, forcePathStyle: true };
  if (!process.env.AWS_ACCESS_KEY_ID)
    options.credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
  return options;
}

// Loaded on first put: the fs sink (collector, tests) never pays for the AWS SDK. In Lambda the
// nodejs22.x runtime provides @aws-sdk/client-s3; locally it resolves from examples/ingest.
let sdk;

/** S3 PutObject with If-None-Match: * (write-once; 412 = the key exists). */
export function s3Sink({ bucket, endpoint, client }) {
  if (!bucket) throw new Error('s3Sink: a bucket is required (CLICKSTREAM_BUCKET)');
  let s3 = client;
  return {
    async put(key, body, contentType) {
      const { S3Client, PutObjectCommand } = await (sdk ??= import('@aws-sdk/client-s3'));
      s3 ??= new S3Client(s3ClientOptions(endpoint));
      try {
        await s3.send(
          new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType, IfNoneMatch: '*' }),
        );
        return 'stored';
      } catch (e) {
        // 409 (a concurrent conditional write in flight) is left to throw: the 5xx makes the SDK
        // retry, and the retry then meets 412.
        if (e?.name === 'PreconditionFailed' || e?.$metadata?.httpStatusCode === 412) return 'exists';
        throw e;
      }
    },
  };
}
