// spawnModuleWorker starts one of our modules (TypeScript here, registering tsx in the worker) with
// a message channel both ways; workerPort is null on the main thread.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as platform from '../../src/platform/index.js';

test('spawnModuleWorker runs a module that imports the library and answers messages; workerPort is null here', async () => {
  assert.equal(platform.workerPort(), null);
  const messages: unknown[] = [];
  let exitCode: number | null = null;
  let answered!: () => void;
  const both = new Promise<void>((resolve) => (answered = resolve));
  const w = platform.spawnModuleWorker({
    url: new URL('./echo-worker.ts', import.meta.url),
    data: { hello: 'worker' },
    name: 'attn-test-module-worker',
    onMessage: (m) => {
      messages.push(m);
      if (messages.length === 2) answered();
    },
    onError: (e) => {
      throw e;
    },
    onExit: (code) => (exitCode = code),
  });
  w.post({ n: 21 });
  w.post({ n: 2 });
  await Promise.race([both, new Promise((_, reject) => setTimeout(() => reject(new Error('no answer from the worker in 30 s')), 30_000).unref())]);
  assert.deepEqual(messages, [{ data: { hello: 'worker' }, doubled: 42 }, { data: { hello: 'worker' }, doubled: 4 }]);
  await w.terminate();
  assert.equal(typeof exitCode, 'number');
});

test('spawnModuleWorker reports a module that throws at start', async () => {
  const failed = await new Promise<Error>((resolve) => {
    platform.spawnModuleWorker({
      url: new URL('./no-such-worker.ts', import.meta.url),
      data: null,
      name: 'attn-test-missing-worker',
      onMessage: () => {},
      onError: resolve,
      onExit: () => {},
    });
  });
  assert.match(failed.message, /no-such-worker/);
});
