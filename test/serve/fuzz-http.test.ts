// A short seeded fuzz of attn serve's HTTP bodies (test/serve/fuzz-http-props.ts): 40 cases per POST
// route; FUZZ_RUNS / FUZZ_SEED change them. The long run: test-slow/fuzz-http.test.ts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { startServer, type RunningServer } from '../../src/serve/index.js';
import { writeServeFolders } from './run-folders.js';
import { fuzzServer, ROUTE_SCHEMAS } from './fuzz-http-props.js';
import { fuzzRuns } from '../fuzz/kit.js';

let root = '';
let server: RunningServer;

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'attn-serve-fuzz-'));
  const folders = writeServeFolders(root);
  server = await startServer({ models: [{ name: 'clf', dir: folders.clf }, { name: 'lm', dir: folders.lm }], port: 0, bodyLimit: 64 * 1024, maxQueue: 256, parallel: 4 });
});
after(async () => {
  await server?.close();
  rmSync(root, { recursive: true, force: true });
});

test('fuzzed bodies on every POST route get a 4xx JSON error or a valid answer, never a 5xx or a hang; the server serves on', { timeout: 120_000 }, async () => {
  const { numRuns, seed } = fuzzRuns(40, 15);
  const statuses = await fuzzServer(server, numRuns, seed, (line) => console.log(`fuzz-http: ${line}`));
  // The generator reaches both sides on every route with a schema here: valid answers and refusals
  // (a route added without one gets random JSON only, which may never be valid).
  for (const [route, counts] of Object.entries(statuses)) {
    const codes = Object.keys(counts).map(Number);
    if (route in ROUTE_SCHEMAS) assert.ok(codes.includes(200), `${route}: no valid answer among ${JSON.stringify(counts)}`);
    assert.ok(codes.some((c) => c >= 400 && c < 500), `${route}: no refusal among ${JSON.stringify(counts)}`);
  }
});
