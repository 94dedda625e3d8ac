// The HTTP body fuzzer of test/serve/fuzz-http-props.ts, long: 3,000 cases per POST route, with a
// fresh seed each run unless FUZZ_SEED is set (FUZZ_RUNS changes the count); the seed is printed:
//   FUZZ_SEED=123 node --import tsx --test test-slow/fuzz-http.test.ts
// About 5 minutes on 2 cores.
import { test, before, after } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { startServer, type RunningServer } from '../src/serve/index.js';
import { writeServeFolders } from '../test/serve/run-folders.js';
import { fuzzServer } from '../test/serve/fuzz-http-props.js';
import { fuzzRuns } from '../test/fuzz/kit.js';

const seed = Number.isInteger(Number(process.env.FUZZ_SEED)) && process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : (Date.now() ^ (Math.random() * 2 ** 31)) | 0;
console.log(`fuzz-http: seed ${seed} (replay with FUZZ_SEED=${seed})`);

let root = '';
let server: RunningServer;

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'attn-serve-fuzz-slow-'));
  const folders = writeServeFolders(root);
  server = await startServer({ models: [{ name: 'clf', dir: folders.clf }, { name: 'lm', dir: folders.lm }], port: 0, bodyLimit: 64 * 1024, maxQueue: 256, parallel: 4 });
});
after(async () => {
  await server?.close();
  rmSync(root, { recursive: true, force: true });
});

test('fuzzed bodies on every POST route, long: never a 5xx, a crash or a hang', { timeout: 60 * 60_000 }, async () => {
  const runs = fuzzRuns(3000, seed);
  await fuzzServer(server, runs.numRuns, runs.seed, (line) => console.log(`fuzz-http: ${line}`));
});
