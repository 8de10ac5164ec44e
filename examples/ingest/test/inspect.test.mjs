// inspect: the summary of a folder of stored batches (JSON arrays and NDJSON), as data and as text.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { format, summarize } from '../inspect.mjs';
import { tempDir } from './helpers.mjs';

const ev = (name, ts, received) => ({ event_name: name, event_timestamp: ts, received_at: received });

async function folder(t) {
  const dir = await tempDir(t);
  const write = async (key, text) => {
    await mkdir(path.dirname(path.join(dir, key)), { recursive: true });
    await writeFile(path.join(dir, key), text);
  };
  await write('events/2025/12/04/15/events-a.json', JSON.stringify([
    ev('page_view', '2025-12-04T15:23:45.123Z', '2025-12-04T15:23:46.000Z'),
    ev('product_view', '2025-12-04T15:24:00.000Z', '2025-12-04T15:24:01.000Z'),
  ]));
  const epochMs = Date.UTC(2025, 11, 4, 15, 40); // event_timestamp as epoch ms counts too
  const cart = ev('add_to_cart', epochMs, '2025-12-04T15:40:02.000Z');
  await write('events/2025/12/04/15/events-b.json', JSON.stringify([cart]));
  const ndjson = [ev('page_view', '2025-12-04T16:00:00.000Z', '2025-12-04T16:00:10.000Z'),
    ev('page_view', '2025-12-04T15:59:00.000Z', '2025-12-04T16:00:10.000Z')];
  await write('events/2025/12/04/16/events-c.ndjson', ndjson.map((e) => `${JSON.stringify(e)}\n`).join(''));
  await write('events/2025/12/04/16/.events-d.json.1234.tmp', '[{"event_name":"half'); // an fs-sink temp file
  await write('events/2025/12/04/16/events-broken.json', '[{"event_name":');
  await write('events/README.txt', 'not a batch');
  return dir;
}

test('inspect: partitions, files with sizes and events, counts by event_name, time ranges', async (t) => {
  const dir = await folder(t);
  const s = await summarize({ dir });
  assert.equal(s.source, path.resolve(dir));
  assert.deepEqual(s.partitions.map((p) => [p.partition, p.files, p.events]), [
    ['events/2025/12/04/15', 2, 3],
    ['events/2025/12/04/16', 2, 2],
  ]);
  assert.deepEqual(s.files.map((f) => [f.key, f.events]), [
    ['events/2025/12/04/15/events-a.json', 2],
    ['events/2025/12/04/15/events-b.json', 1],
    ['events/2025/12/04/16/events-broken.json', 0],
    ['events/2025/12/04/16/events-c.ndjson', 2],
  ]);
  assert.ok(s.files.every((f) => f.bytes > 0));
  assert.match(s.files[2].error, /JSON/);
  assert.equal(s.files_total, 4);
  assert.equal(s.events, 5);
  assert.deepEqual(s.by_event_name, { page_view: 3, add_to_cart: 1, product_view: 1 });
  assert.deepEqual(s.event_timestamp, { min: '2025-12-04T15:23:45.123Z', max: '2025-12-04T16:00:00.000Z' });
  assert.deepEqual(s.received_at, { min: '2025-12-04T15:23:46.000Z', max: '2025-12-04T16:00:10.000Z' });
  const text = format(s);
  assert.match(text, /2 hour partitions, 4 files, 5 events/);
  assert.match(text, /events\/2025\/12\/04\/15 {2}2 files {2}3 events/);
  assert.match(text, /page_view {2}3/);
  assert.match(text, /event_timestamp: 2025-12-04T15:23:45.123Z \.\. 2025-12-04T16:00:00.000Z/);
});

test('inspect: the CLI prints the summary (text and --json)', async (t) => {
  const dir = await folder(t);
  const cli = fileURLToPath(new URL('../inspect.mjs', import.meta.url));
  const text = spawnSync(process.execPath, [cli, dir], { encoding: 'utf8' });
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /^source: /);
  assert.match(text.stdout, /received_at: +2025-12-04T15:23:46.000Z \.\. 2025-12-04T16:00:10.000Z/);
  const json = spawnSync(process.execPath, [cli, dir, '--json'], { encoding: 'utf8' });
  assert.equal(JSON.parse(json.stdout).events, 5);
  assert.equal(spawnSync(process.execPath, [cli], { encoding: 'utf8' }).status, 2);
});
