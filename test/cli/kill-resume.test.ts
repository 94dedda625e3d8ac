// The short interruption test: `attn train` (a tiny transformer classifier) killed with SIGKILL
// twice, once during an atomic write (a temp file in the run folder) and once at a seeded random
// moment, resumed each time; no file is ever half-written and the final model.safetensors is
// byte for byte the uninterrupted run's. The long version (more kills, also --task lm) is
// test-slow/kill-resume.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { writeJsonl } from '../helpers/cli.js';
import { checkRunFolderWhole, trainUninterrupted, trainWithKills } from '../helpers/kill-resume.js';

test('attn train killed by SIGKILL twice (once mid-write) and resumed ends with the uninterrupted run\'s model, byte for byte', async () => {
  const root = mkdtempSync(join(tmpdir(), 'attn-kill-resume-'));
  try {
    const data = join(root, 'data.jsonl');
    writeJsonl(data, Array.from({ length: 40 }, (_, i) => ({ text: i % 2 ? `free cash prize ${i}` : `meeting patch review ${i}`, label: i % 2 ? 'spam' : 'ham' })));
    const args = ['--data', data, '--model', 'transformer', '--d-model', '8', '--layers', '1', '--heads', '2', '--max-length', '16', '--vocab-size', '50',
      '--epochs', '2', '--batch-size', '4', '--eval-every', '2', '--no-baseline', '--no-progress'];
    const typicalRunMs = await trainUninterrupted(args, join(root, 'straight'), 60_000);
    const out = join(root, 'killed');
    const kills = await trainWithKills({ args, outDir: out, kills: 2, seed: 3, typicalRunMs, runTimeoutMs: 60_000 });
    assert.deepEqual(kills.map((k) => k.mode.kind), ['temp', 'delay']);
    assert.ok(kills.some((k) => k.killed), `no kill landed: ${JSON.stringify(kills)}`);
    const whole = checkRunFolderWhole(out);
    assert.ok(whole.checked > 0);
    assert.deepEqual(whole.tempFiles, [], 'the resume removed what the cut write left');
    assert.deepEqual(readFileSync(join(out, 'model.safetensors')), readFileSync(join(root, 'straight', 'model.safetensors')));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
