import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { isTempName, tempPathFor, writeFileAtomic, writeJsonAtomic } from '../../src/io/atomic-write.js';
import { tempDir } from './helpers.js';

function withDir(fn: (dir: string) => void): void {
  const { dir, cleanup } = tempDir();
  try {
    fn(dir);
  } finally {
    mock.restoreAll();
    cleanup();
  }
}

test('writes bytes and strings, replaces an existing file, leaves no temp files', () => {
  withDir((dir) => {
    const path = join(dir, 'out.bin');
    writeFileAtomic(path, Uint8Array.from([1, 2, 3]));
    assert.deepEqual([...fs.readFileSync(path)], [1, 2, 3]);
    writeFileAtomic(path, 'héllo\n');
    assert.equal(fs.readFileSync(path, 'utf8'), 'héllo\n');
    writeFileAtomic(path, new Uint8Array(0));
    assert.equal(fs.readFileSync(path).length, 0);
    // A subarray writes only its own bytes.
    writeFileAtomic(path, Uint8Array.from([9, 8, 7, 6]).subarray(1, 3));
    assert.deepEqual([...fs.readFileSync(path)], [8, 7]);
    assert.deepEqual(fs.readdirSync(dir), ['out.bin']);
  });
});

test('a missing directory throws an error naming the path, with code ENOENT, creating nothing', () => {
  withDir((dir) => {
    const path = join(dir, 'missing', 'out.json');
    assert.throws(
      () => writeFileAtomic(path, '{}'),
      (err: unknown) => err instanceof Error && err.message.includes(path) && (err as { code?: string }).code === 'ENOENT',
    );
    assert.deepEqual(fs.readdirSync(dir), []);
  });
});

test('a failing rename (target is a folder) leaves the target alone and removes the temp file', () => {
  withDir((dir) => {
    const path = join(dir, 'target');
    fs.mkdirSync(path);
    fs.writeFileSync(join(path, 'inside.txt'), 'keep');
    assert.throws(
      () => writeFileAtomic(path, 'new contents'),
      (err: unknown) => err instanceof Error && err.message.startsWith(`cannot write ${path}: `),
    );
    assert.deepEqual(fs.readdirSync(dir), ['target']);
    assert.equal(fs.readFileSync(join(path, 'inside.txt'), 'utf8'), 'keep');
  });
});

test('a failure midway (fsync throws) keeps the old target and leaves no temp file', () => {
  withDir((dir) => {
    const path = join(dir, 'model.safetensors');
    fs.writeFileSync(path, 'old contents');
    const fsync = mock.method(fs, 'fsyncSync', () => {
      throw Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' });
    });
    assert.throws(
      () => writeFileAtomic(path, 'new contents that never land'),
      (err: unknown) =>
        err instanceof Error &&
        err.message.includes(path) &&
        /EIO/.test(err.message) &&
        (err as { code?: string }).code === 'EIO' &&
        err.cause instanceof Error,
    );
    assert.equal(fsync.mock.callCount(), 1);
    mock.restoreAll();
    assert.equal(fs.readFileSync(path, 'utf8'), 'old contents');
    assert.deepEqual(fs.readdirSync(dir), ['model.safetensors']);
  });
});

test('a failure in the middle of writing the data keeps the old target and leaves no temp file', () => {
  withDir((dir) => {
    const path = join(dir, 'state.bin');
    fs.writeFileSync(path, 'old');
    const realWrite = fs.writeSync;
    let calls = 0;
    // First call writes only part of the data (as a short write may); the second fails (disk full).
    mock.method(fs, 'writeSync', (fd: number, buf: Uint8Array, offset: number, length: number) => {
      calls++;
      if (calls === 1) return realWrite(fd, buf, offset, Math.min(length, 10));
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    });
    assert.throws(() => writeFileAtomic(path, new Uint8Array(1000).fill(7)), /cannot write .*state\.bin: ENOSPC/);
    mock.restoreAll();
    assert.equal(calls, 2);
    assert.equal(fs.readFileSync(path, 'utf8'), 'old');
    assert.deepEqual(fs.readdirSync(dir), ['state.bin']);
  });
});

test('short writes are continued until all data is written', () => {
  withDir((dir) => {
    const path = join(dir, 'big.bin');
    const realWrite = fs.writeSync;
    const data = Uint8Array.from({ length: 100 }, (_, i) => i);
    const w = mock.method(fs, 'writeSync', (fd: number, buf: Uint8Array, offset: number, length: number) =>
      realWrite(fd, buf, offset, Math.min(length, 7)),
    );
    writeFileAtomic(path, data);
    assert.equal(w.mock.callCount(), 15);
    mock.restoreAll();
    assert.deepEqual([...fs.readFileSync(path)], [...data]);
  });
});

test('the permission bits of an existing target are kept', { skip: process.platform === 'win32' }, () => {
  withDir((dir) => {
    const path = join(dir, 'secret.json');
    fs.writeFileSync(path, '{}');
    fs.chmodSync(path, 0o600);
    writeFileAtomic(path, '{"a":1}');
    assert.equal(fs.statSync(path).mode & 0o777, 0o600);
  });
});

test('writeJsonAtomic pretty-prints with a trailing newline', () => {
  withDir((dir) => {
    const path = join(dir, 'config.json');
    writeJsonAtomic(path, { dModel: 128, layers: [1, 2], name: 'clf' });
    assert.equal(fs.readFileSync(path, 'utf8'), '{\n  "dModel": 128,\n  "layers": [\n    1,\n    2\n  ],\n  "name": "clf"\n}\n');
    assert.throws(() => writeJsonAtomic(path, undefined), /not JSON-serializable/);
    assert.equal(JSON.parse(fs.readFileSync(path, 'utf8')).dModel, 128);
  });
});

test('temp names sit next to the target and are recognizable', () => {
  const t = tempPathFor('/a/b/model.safetensors');
  assert.equal(dirname(t), '/a/b');
  assert.match(basename(t), new RegExp(`^\\.model\\.safetensors\\.tmp-${process.pid}-[0-9a-f]{12}$`));
  assert.ok(isTempName(basename(t)));
  assert.notEqual(t, tempPathFor('/a/b/model.safetensors'));
  assert.ok(!isTempName('model.safetensors'));
  assert.ok(!isTempName('.hidden'));
});
