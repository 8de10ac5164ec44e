// Summarizes stored batches the way the workshop asks a person to check them: hour partitions, files
// with their size and event count, counts by event_name, the time range.
//   npm run inspect -- <folder> [--json]
//   npm run inspect -- --bucket B [--prefix events] [--endpoint URL] [--json]
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { s3ClientOptions } from './lambda/sinks.mjs';

// Stored objects only: the fs sink's temp files are dot-prefixed.
const STORED = /^[^.].*\.(json|ndjson)$/;

function parseBatch(name, text) {
  if (name.endsWith('.ndjson')) return text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
  const value = JSON.parse(text);
  return Array.isArray(value) ? value : [value];
}

async function* walk(root, dir = root) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(root, full);
    else if (entry.isFile() && STORED.test(entry.name)) yield path.relative(root, full).split(path.sep).join('/');
  }
}

async function fromFolder(dir) {
  const files = [];
  for await (const key of walk(dir)) {
    const full = path.join(dir, key);
    files.push({ key, bytes: (await stat(full)).size, read: () => readFile(full, 'utf8') });
  }
  return files;
}

async function fromBucket({ bucket, prefix = 'events', endpoint, client }) {
  const { S3Client, ListObjectsV2Command, GetObjectCommand } = await import('@aws-sdk/client-s3');
  const s3 = client ?? new S3Client(s3ClientOptions(endpoint));
  const files = [];
  let token;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix ? `${prefix}/` : undefined, ContinuationToken: token }),
    );
    for (const o of page.Contents ?? []) {
      if (!STORED.test(path.posix.basename(o.Key))) continue;
      files.push({
        key: o.Key,
        bytes: o.Size,
        read: async () => {
          const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key }));
          return object.Body.transformToString();
        },
      });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return files;
}

// Runs fn over items, `width` at a time (a bucket can hold many small objects).
async function eachLimited(items, width, fn) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
}

function toMs(value) {
  const ms = typeof value === 'number' ? value : Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}

function range() {
  let min;
  let max;
  return {
    add(value) {
      const ms = toMs(value);
      if (ms === undefined) return;
      if (min === undefined || ms < min) min = ms;
      if (max === undefined || ms > max) max = ms;
    },
    get value() {
      const iso = (ms) => (ms === undefined ? null : new Date(ms).toISOString());
      return { min: iso(min), max: iso(max) };
    },
  };
}

/**
 * summarize({dir}) or summarize({bucket, prefix?, endpoint?, client?}) → {source, partitions:
 * [{partition, files, events, bytes}], files: [{key, bytes, events, error?}], files_total, events,
 * bytes, by_event_name: {name: n}, event_timestamp: {min, max}, received_at: {min, max}}.
 */
export async function summarize(source) {
  const listed = source.dir ? await fromFolder(source.dir) : await fromBucket(source);
  listed.sort((a, b) => (a.key < b.key ? -1 : 1));
  const names = new Map();
  const eventTime = range();
  const receivedTime = range();
  const files = listed.map(({ key, bytes }) => ({ key, bytes, events: 0 }));
  await eachLimited(listed.map((f, i) => [f, files[i]]), 8, async ([f, out]) => {
    try {
      const events = parseBatch(f.key, await f.read());
      out.events = events.length;
      for (const e of events) {
        names.set(e?.event_name, (names.get(e?.event_name) ?? 0) + 1);
        eventTime.add(e?.event_timestamp);
        receivedTime.add(e?.received_at);
      }
    } catch (e) {
      out.error = e.message; // one unreadable object should not hide the rest
    }
  });
  const partitions = new Map();
  for (const f of files) {
    const name = path.posix.dirname(f.key);
    const p = partitions.get(name) ?? { partition: name, files: 0, events: 0, bytes: 0 };
    p.files += 1;
    p.events += f.events;
    p.bytes += f.bytes;
    partitions.set(name, p);
  }
  return {
    source: source.dir ? path.resolve(source.dir) : `s3://${source.bucket}/${source.prefix ?? 'events'}`,
    partitions: [...partitions.values()],
    files,
    files_total: files.length,
    events: files.reduce((n, f) => n + f.events, 0),
    bytes: files.reduce((n, f) => n + f.bytes, 0),
    // Most frequent first, ties by name.
    by_event_name: Object.fromEntries([...names].sort((a, b) => b[1] - a[1] || String(a[0]).localeCompare(b[0]))),
    event_timestamp: eventTime.value,
    received_at: receivedTime.value,
  };
}

function size(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(2)} MB`;
}

const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The summary as the text the CLI prints. */
export function format(s) {
  const lines = [`source: ${s.source}`];
  const average = s.files_total
    ? ` (avg ${(s.events / s.files_total).toFixed(1)} events, ${size(Math.round(s.bytes / s.files_total))} per file)`
    : '';
  lines.push(`${plural(s.partitions.length, 'hour partition')}, ${plural(s.files_total, 'file')}, ` +
    `${plural(s.events, 'event')}, ${size(s.bytes)}${average}`);
  lines.push('partitions:');
  for (const p of s.partitions)
    lines.push(`  ${p.partition}  ${plural(p.files, 'file')}  ${plural(p.events, 'event')}  ${size(p.bytes)}`);
  lines.push('files:');
  for (const f of s.files)
    lines.push(`  ${f.key}  ${size(f.bytes)}  ${f.error ? `unreadable: ${f.error}` : plural(f.events, 'event')}`);
  lines.push('event_name:');
  for (const [name, n] of Object.entries(s.by_event_name)) lines.push(`  ${name}  ${n}`);
  lines.push(`event_timestamp: ${s.event_timestamp.min ?? '-'} .. ${s.event_timestamp.max ?? '-'}`);
  lines.push(`received_at:     ${s.received_at.min ?? '-'} .. ${s.received_at.max ?? '-'}`);
  return lines.join('\n');
}

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      bucket: { type: 'string' },
      prefix: { type: 'string', default: 'events' },
      endpoint: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  if (!values.bucket && positionals.length !== 1) {
    console.error('usage: npm run inspect -- <folder> | --bucket B [--prefix events] [--endpoint URL]  [--json]');
    process.exit(2);
  }
  const summary = await summarize(
    values.bucket
      ? { bucket: values.bucket, prefix: values.prefix, endpoint: values.endpoint }
      : { dir: path.resolve(process.env.INIT_CWD ?? '.', positionals[0]) }, // npm runs scripts in the repo root
  );
  console.log(values.json ? JSON.stringify(summary, null, 2) : format(summary));
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  await main().catch((e) => {
    console.error(`inspect: ${e.message}`); // a missing folder, an unreachable bucket: no stack trace
    process.exit(1);
  });
}
