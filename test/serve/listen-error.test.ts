// startServer on an address it cannot listen on rejects with a ListenError carrying the address
// and the code, and stops its model worker: nothing is left running (this file would not end
// if the worker thread were left behind).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { ListenError, startServer } from '../../src/serve/index.js';
import { writeTinyClassifier } from './run-folders.js';

test('a port in use: ListenError with host, port and code, and the worker stopped', { timeout: 60_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'attn-listen-error-'));
  const taken = createServer();
  await new Promise<void>((done) => taken.listen(0, '127.0.0.1', done));
  const port = (taken.address() as { port: number }).port;
  try {
    writeTinyClassifier(join(root, 'clf'));
    await assert.rejects(startServer({ models: [{ name: 'clf', dir: join(root, 'clf') }], port, backend: 'ref' }), (err: unknown) => {
      assert.ok(err instanceof ListenError);
      assert.equal(err.host, '127.0.0.1');
      assert.equal(err.port, port);
      assert.equal(err.code, 'EADDRINUSE');
      assert.equal(err.message, `cannot listen on 127.0.0.1:${port}: the port is already in use`);
      return true;
    });
  } finally {
    await new Promise((done) => taken.close(done));
    rmSync(root, { recursive: true, force: true });
  }
});
