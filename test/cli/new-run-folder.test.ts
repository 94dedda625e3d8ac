// `attn train --out`: a folder that holds a run is refused unless --overwrite (which clears it
// first), and a path that is a file is refused before any data is read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { cli, QUICK_BOW, writeTinyCorpus } from '../helpers/cli.js';

const QUICK = [...QUICK_BOW];

test('attn train refuses an --out folder holding a run unless --overwrite, which replaces it whole', () => {
  const root = mkdtempSync(join(tmpdir(), 'attn-new-run-'));
  const data = join(root, 'data.jsonl');
  writeTinyCorpus(data);
  const out = join(root, 'run');
  mkdirSync(join(out, 'pretrain'), { recursive: true });
  writeFileSync(join(out, 'pretrain', 'metrics.json'), '{}\n');
  writeFileSync(join(out, 'log.jsonl'), '{"step":1,"old":true}\n');

  const refused = cli(['train', '--data', data, ...QUICK, '--out', out]);
  assert.equal(refused.status, 1, refused.stderr);
  assert.equal(refused.stderr.trim(), `attn: --out ${out}: is not empty (log.jsonl, pretrain); choose another folder, or resume the run it holds; replace it with --overwrite`);
  assert.equal(refused.stdout, '', 'refused before reading the data');
  assert.equal(readFileSync(join(out, 'log.jsonl'), 'utf8'), '{"step":1,"old":true}\n', 'nothing touched');

  const replaced = cli(['train', '--data', data, ...QUICK, '--out', out, '--overwrite']);
  assert.equal(replaced.status, 0, replaced.stderr);
  assert.ok(!existsSync(join(out, 'pretrain')), 'the old pretrain/ is gone');
  const steps = readFileSync(join(out, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(steps.map((s) => s.step), [1], 'log.jsonl holds this run only');
});

test('attn train refuses an --out that names a file, before reading the data', () => {
  const root = mkdtempSync(join(tmpdir(), 'attn-new-run-'));
  const data = join(root, 'data.jsonl');
  writeTinyCorpus(data);
  const file = join(root, 'notes.txt');
  writeFileSync(file, 'keep me');
  const refused = cli(['train', '--data', data, ...QUICK, '--out', file]);
  assert.equal(refused.status, 1);
  assert.equal(refused.stderr.trim(), `attn: --out ${file}: is a file, not a folder; give a folder for the run`);
  assert.equal(refused.stdout, '', 'refused before reading the data');
  assert.equal(readFileSync(file, 'utf8'), 'keep me');
});
