import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { join } from 'node:path';
import {
  CHECKPOINT_FILES,
  CheckpointFileError,
  checkpointPaths,
  readJsonFile,
  recoverReplacedFolder,
  replaceCheckpointFolder,
  writeCheckpointFolder,
} from '../../src/io/checkpoint-files.js';
import { decodeSafetensors, encodeSafetensors } from '../../src/io/safetensors.js';
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

function isCheckpointError(re: RegExp, path: string) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof CheckpointFileError, String(err));
    assert.ok(err.message.includes(path), err.message);
    assert.match(err.message, re);
    return true;
  };
}

test('file names follow the Hugging Face layout', () => {
  assert.deepEqual(CHECKPOINT_FILES, {
    config: 'config.json',
    model: 'model.safetensors',
    trainingState: 'training_state.safetensors',
    tokenizer: 'tokenizer.json',
    labels: 'labels.json',
  });
  assert.equal(checkpointPaths('runs/a').model, join('runs/a', 'model.safetensors'));
  assert.equal(checkpointPaths('runs/a').trainingState, join('runs/a', 'training_state.safetensors'));
});

test('readJsonFile reads JSON and explains missing, empty, invalid and directory paths', () => {
  withDir((dir) => {
    const ok = join(dir, 'config.json');
    fs.writeFileSync(ok, '{"dModel": 64, "labels": ["a", "b"]}\n');
    assert.deepEqual(readJsonFile(ok, 'model config'), { dModel: 64, labels: ['a', 'b'] });
    const bom = join(dir, 'bom.json');
    fs.writeFileSync(bom, '\ufeff[1]');
    assert.deepEqual(readJsonFile<number[]>(bom, 'label list'), [1]);

    const missing = join(dir, 'nope.json');
    assert.throws(() => readJsonFile(missing, 'model config'), isCheckpointError(/^cannot read model config .*: file not found$/, missing));
    const bad = join(dir, 'bad.json');
    fs.writeFileSync(bad, '{"dModel": 64,');
    assert.throws(() => readJsonFile(bad, 'model config'), isCheckpointError(/^model config .* is not valid JSON: /, bad));
    const empty = join(dir, 'empty.json');
    fs.writeFileSync(empty, '');
    assert.throws(() => readJsonFile(empty, 'label list'), isCheckpointError(/label list .* is not valid JSON: the file is empty/, empty));
    assert.throws(() => readJsonFile(dir, 'tokenizer'), isCheckpointError(/cannot read tokenizer .*: it is a directory/, dir));
  });
});

test('writeCheckpointFolder creates a new folder (and parents) with every file', () => {
  withDir((root) => {
    const dir = join(root, 'runs', 'exp1', 'step-100');
    const model = encodeSafetensors({ w: { dtype: 'float32', shape: [2], data: Float32Array.from([1, 2]) } });
    writeCheckpointFolder(dir, {
      [CHECKPOINT_FILES.config]: '{"a": 1}\n',
      [CHECKPOINT_FILES.model]: model,
      [CHECKPOINT_FILES.labels]: '["x", "y"]\n',
    });
    assert.deepEqual(fs.readdirSync(dir).sort(), ['config.json', 'labels.json', 'model.safetensors']);
    assert.deepEqual(fs.readdirSync(join(root, 'runs', 'exp1')), ['step-100'], 'no staging folder left');
    assert.deepEqual(readJsonFile(join(dir, 'config.json'), 'config'), { a: 1 });
    assert.deepEqual(Array.from(decodeSafetensors(fs.readFileSync(join(dir, 'model.safetensors'))).tensors['w']!.data), [1, 2]);
  });
});

test('writeCheckpointFolder into an existing folder replaces the given files and keeps the rest', () => {
  withDir((dir) => {
    fs.writeFileSync(join(dir, 'config.json'), 'old');
    fs.writeFileSync(join(dir, 'notes.txt'), 'mine');
    writeCheckpointFolder(dir, { 'config.json': 'new', 'labels.json': '[]' });
    assert.equal(fs.readFileSync(join(dir, 'config.json'), 'utf8'), 'new');
    assert.equal(fs.readFileSync(join(dir, 'notes.txt'), 'utf8'), 'mine');
    assert.deepEqual(fs.readdirSync(dir).sort(), ['config.json', 'labels.json', 'notes.txt']);
  });
});

test('a failure while writing a new checkpoint leaves no folder and no temp files', () => {
  withDir((root) => {
    const dir = join(root, 'step-200');
    const realFsync = fs.fsyncSync;
    let calls = 0;
    mock.method(fs, 'fsyncSync', (fd: number) => {
      // Fail the second file's fsync (directory fsyncs are best effort and not counted).
      if (fs.fstatSync(fd).isFile() && ++calls === 2) throw Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' });
      realFsync(fd);
    });
    assert.throws(
      () => writeCheckpointFolder(dir, { 'config.json': '{}', 'model.safetensors': new Uint8Array(64) }),
      isCheckpointError(/^cannot write checkpoint .*step-200: .*EIO/, dir),
    );
    mock.restoreAll();
    assert.deepEqual(fs.readdirSync(root), []);
  });
});

test('a failure while updating an existing checkpoint never leaves a truncated or temp file', () => {
  withDir((dir) => {
    fs.writeFileSync(join(dir, 'config.json'), 'old config');
    fs.writeFileSync(join(dir, 'model.safetensors'), 'old model');
    const realWrite = fs.writeSync;
    let calls = 0;
    mock.method(fs, 'writeSync', (fd: number, buf: Uint8Array, offset: number, length: number) => {
      // The first file goes through; the second fails after a partial write.
      if (++calls === 3) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      return realWrite(fd, buf, offset, calls === 2 ? Math.min(length, 3) : length);
    });
    assert.throws(
      () => writeCheckpointFolder(dir, { 'config.json': 'new config', 'model.safetensors': 'new model bytes' }),
      isCheckpointError(/ENOSPC/, dir),
    );
    mock.restoreAll();
    assert.equal(fs.readFileSync(join(dir, 'config.json'), 'utf8'), 'new config');
    assert.equal(fs.readFileSync(join(dir, 'model.safetensors'), 'utf8'), 'old model');
    assert.deepEqual(fs.readdirSync(dir).sort(), ['config.json', 'model.safetensors']);
  });
});

test('writeCheckpointFolder rejects path-like file names and a non-folder target', () => {
  withDir((root) => {
    const dir = join(root, 'ckpt');
    for (const name of ['', '.', '..', '../escape.json', 'sub/x.json', 'a\\b', 'nul\0']) {
      assert.throws(() => writeCheckpointFolder(dir, { [name]: 'x' }), isCheckpointError(/must be a plain name/, dir));
    }
    assert.deepEqual(fs.readdirSync(root), []);
    const file = join(root, 'file');
    fs.writeFileSync(file, 'x');
    assert.throws(() => writeCheckpointFolder(file, { 'a.json': '{}' }), isCheckpointError(/exists and is not a folder/, file));
    assert.equal(fs.readFileSync(file, 'utf8'), 'x');
  });
});

test('replaceCheckpointFolder swaps the folder as a whole: a failure midway leaves the old files, all of them', () => {
  withDir((root) => {
    const dir = join(root, 'checkpoint');
    replaceCheckpointFolder(dir, { 'model.safetensors': 'model 1', 'training_state.safetensors': 'state 1' });
    replaceCheckpointFolder(dir, { 'model.safetensors': 'model 2', 'training_state.safetensors': 'state 2' });
    assert.deepEqual(fs.readdirSync(root), ['checkpoint']);
    assert.deepEqual(fs.readdirSync(dir).sort(), ['model.safetensors', 'training_state.safetensors']);
    assert.equal(fs.readFileSync(join(dir, 'training_state.safetensors'), 'utf8'), 'state 2');
    // The second file's fsync fails (the 2nd fsync is the folder's, best effort): replacing files one by one would have left model 3 beside state 2.
    let syncs = 0;
    const real = fs.fsyncSync;
    mock.method(fs, 'fsyncSync', (fd: number) => {
      if (++syncs === 3) throw Object.assign(new Error('EIO: i/o error'), { code: 'EIO' });
      real(fd);
    });
    assert.throws(() => replaceCheckpointFolder(dir, { 'model.safetensors': 'model 3', 'training_state.safetensors': 'state 3' }), /cannot write checkpoint .*checkpoint: .*EIO/);
    mock.restoreAll();
    assert.equal(fs.readFileSync(join(dir, 'model.safetensors'), 'utf8'), 'model 2');
    assert.equal(fs.readFileSync(join(dir, 'training_state.safetensors'), 'utf8'), 'state 2');
    assert.deepEqual(fs.readdirSync(root), ['checkpoint']);
  });
});

test('recoverReplacedFolder puts back the newest complete copy when a crash came between the two renames', () => {
  withDir((root) => {
    const dir = join(root, 'checkpoint');
    const copy = (name: string, state: string, mtime: number) => {
      fs.mkdirSync(join(root, name));
      fs.writeFileSync(join(root, name, 'model.safetensors'), `model ${state}`);
      fs.writeFileSync(join(root, name, 'training_state.safetensors'), state);
      fs.utimesSync(join(root, name, 'training_state.safetensors'), mtime, mtime);
    };
    copy('.checkpoint.tmp-42-aaaaaaaaaaaa', 'old', 1_000);
    copy('.checkpoint.tmp-42-bbbbbbbbbbbb', 'new', 2_000);
    fs.mkdirSync(join(root, '.checkpoint.tmp-42-cccccccccccc')); // a staging folder cut short: incomplete
    fs.writeFileSync(join(root, '.checkpoint.tmp-42-cccccccccccc', 'model.safetensors'), 'model newest');
    assert.equal(recoverReplacedFolder(dir, ['training_state.safetensors', 'model.safetensors']), true);
    assert.equal(fs.readFileSync(join(dir, 'training_state.safetensors'), 'utf8'), 'new');
    assert.equal(recoverReplacedFolder(join(root, 'nothing'), ['training_state.safetensors']), false);
  });
});
