// `kill <pid>` (SIGTERM, what a container stop sends) saves a checkpoint as Ctrl-C does, and the
// run resumes from it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { writeTinyCorpus } from '../helpers/cli.js';

test('attn train stopped by SIGTERM saves a checkpoint, says how to continue and exits 130', async () => {
  const root = mkdtempSync(join(tmpdir(), 'attn-sigterm-'));
  const data = join(root, 'data.jsonl');
  writeTinyCorpus(data);
  const out = join(root, 'run');
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), resolve('src/cli/main.ts'), 'train', '--data', data, '--model', 'bow',
    '--epochs', '100000', '--batch-size', '1', '--no-baseline', '--no-progress', '--backend', 'ref', '--out', out], { env: { ...process.env, NO_COLOR: '1' } });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdout.resume();
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  // Once steps are being logged, the run is training.
  const deadline = Date.now() + 60_000;
  while (!existsSync(join(out, 'log.jsonl')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  child.kill('SIGTERM');
  const code = await exited;
  assert.equal(code, 130, stderr);
  assert.ok(existsSync(join(out, 'checkpoint', 'training_state.safetensors')));
  assert.match(stderr, new RegExp(`attn: continue with: attn train --resume ${out.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`));
  const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
  assert.equal(metrics.interrupted, true);
});
