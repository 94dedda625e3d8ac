// RunFolder's refusals that apply to every run, whatever trains it (classifier, language model).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { RunFolder, RunFolderError } from '../../src/io/run-folder.js';

const root = () => mkdtempSync(join(tmpdir(), 'attn-run-folder-'));

test('a new run refuses a folder that holds files unless overwrite, then starts from an empty folder', () => {
  const dir = join(root(), 'run');
  new RunFolder(dir).checkNew(); // absent: fine
  mkdirSync(dir);
  new RunFolder(dir).checkNew(); // empty: fine
  writeFileSync(join(dir, 'log.jsonl'), '{"step":1}\n');
  mkdirSync(join(dir, 'pretrain'));
  writeFileSync(join(dir, 'pretrain', 'model.safetensors'), 'old');
  assert.throws(() => new RunFolder(dir).checkNew(), (err: unknown) => {
    assert.ok(err instanceof RunFolderError);
    assert.equal(err.dir, dir);
    assert.equal(err.problem, 'is not empty (log.jsonl, pretrain); choose another folder, or resume the run it holds');
    assert.deepEqual(err.remedy, { option: 'overwrite', action: 'replace it' });
    return true;
  });
  assert.throws(() => new RunFolder(dir).prepareNew(), RunFolderError);
  assert.ok(existsSync(join(dir, 'log.jsonl')), 'a refusal removes nothing');
  new RunFolder(dir).checkNew({ overwrite: true });
  assert.ok(existsSync(join(dir, 'log.jsonl')), 'checkNew writes nothing, even with overwrite');
  new RunFolder(dir).prepareNew({ overwrite: true });
  assert.deepEqual(readdirSync(dir), [], 'the old run (log, pretrain/) is gone');
});

test('a new run refuses a path that is a file, with or without overwrite', () => {
  const file = join(root(), 'notes.txt');
  writeFileSync(file, 'keep me');
  for (const overwrite of [false, true]) {
    assert.throws(() => new RunFolder(file).checkNew({ overwrite }), { name: 'RunFolderError', message: `${file}: is a file, not a folder; give a folder for the run` });
  }
});

test('overwrite never empties a folder that holds anything but a run', () => {
  const dir = root();
  writeFileSync(join(dir, 'log.jsonl'), '{"step":1}\n');
  writeFileSync(join(dir, 'data.jsonl'), '{"text":"mine"}\n');
  writeFileSync(join(dir, '.config.json.tmp-42-0123456789ab'), ''); // a crashed write's leftover is part of a run
  assert.throws(() => new RunFolder(dir).prepareNew({ overwrite: true }), {
    name: 'RunFolderError',
    message: `${dir}: holds entries that are not part of a run (data.jsonl); overwrite only replaces a run folder: choose another folder`,
  });
  assert.ok(existsSync(join(dir, 'data.jsonl')) && existsSync(join(dir, 'log.jsonl')), 'nothing removed');
});

test('a resume removes what writes cut short by a crash left (temp files, unfinished staging folders), and only those', () => {
  const dir = mkdtempSync(join(tmpdir(), 'attn-run-dead-temps-'));
  try {
    const run = new RunFolder(dir);
    run.create();
    run.writeJson('metrics', { ok: true });
    mkdirSync(join(dir, 'checkpoint'));
    writeFileSync(join(dir, 'checkpoint', 'training_state.safetensors'), 'state');
    // Left by a process that died (pid 999999 is not this one): a temp file in each folder, and a
    // staging folder of a checkpoint replacement that never finished.
    const deadFile = '.metrics.json.tmp-999999-0123456789ab';
    const deadInCheckpoint = '.model.safetensors.tmp-999999-a1b2c3d4e5f6';
    const deadStaging = '.checkpoint.tmp-999999-ffffffffffff';
    writeFileSync(join(dir, deadFile), '{"half');
    writeFileSync(join(dir, 'checkpoint', deadInCheckpoint), 'half');
    mkdirSync(join(dir, deadStaging));
    writeFileSync(join(dir, deadStaging, '.config.json.tmp-999999-000000000000'), '{');
    // The current process's own temp file and an unrelated dot-file are kept.
    const own = `.log.jsonl.tmp-${process.pid}-abcdefabcdef`;
    writeFileSync(join(dir, own), 'mine');
    writeFileSync(join(dir, '.notes'), 'user file');
    assert.equal(run.hasCheckpoint(), true);
    assert.deepEqual(readdirSync(dir).sort(), ['.notes', own, 'checkpoint', 'metrics.json'].sort());
    assert.deepEqual(readdirSync(join(dir, 'checkpoint')), ['training_state.safetensors']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
