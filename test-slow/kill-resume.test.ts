// Interruption at random points: `attn train` killed with SIGKILL up to ATTN_KILLS times (default 8)
// at seeded moments (alternately during a checkpoint or model write, seen as a temp file in the
// run folder, and after a random delay), resumed with `attn train --resume` each time until it
// finishes. After every kill no file in the folder is half-written; at the end model.safetensors
// is byte for byte the uninterrupted run's. A classifier (tiny transformer) and a language model
// (--task lm, tiny GPT), and a classifier after masked-LM pretraining (--pretrain-epochs: kills land
// during pretraining, between it and fine-tuning, and during fine-tuning). Seed: ATTN_KILL_SEED (default 1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { writeJsonl } from '../test/helpers/cli.js';
import { checkRunFolderWhole, trainUninterrupted, trainWithKills, type KillRecord } from '../test/helpers/kill-resume.js';

const KILLS = Number(process.env.ATTN_KILLS ?? 8);
const SEED = Number(process.env.ATTN_KILL_SEED ?? 1);
const RUN_TIMEOUT_MS = 180_000;

async function killedEqualsStraight(root: string, args: string[]): Promise<KillRecord[]> {
  const typicalRunMs = await trainUninterrupted(args, join(root, 'straight'), RUN_TIMEOUT_MS);
  const out = join(root, 'killed');
  const kills = await trainWithKills({ args, outDir: out, kills: KILLS, seed: SEED, typicalRunMs, runTimeoutMs: RUN_TIMEOUT_MS });
  process.stderr.write(`kills: ${JSON.stringify(kills)}\n`);
  assert.ok(kills.filter((k) => k.killed).length >= Math.min(2, KILLS), `fewer than 2 kills landed: ${JSON.stringify(kills)}`);
  assert.ok(kills.some((k) => k.next === 'resume'), 'no kill was followed by a resume');
  assert.deepEqual(checkRunFolderWhole(out).tempFiles, [], 'the finished run folder holds no leftover of a cut write');
  assert.deepEqual(readFileSync(join(out, 'model.safetensors')), readFileSync(join(root, 'straight', 'model.safetensors')));
  return kills;
}

test(`attn train (a classifier) killed up to ${KILLS} times and resumed ends with the uninterrupted run's model, byte for byte`, { timeout: 30 * 60_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'attn-kill-slow-'));
  try {
    const data = join(root, 'data.jsonl');
    writeJsonl(data, Array.from({ length: 80 }, (_, i) => ({ text: i % 2 ? `free cash prize offer ${i}` : `meeting patch review notes ${i}`, label: i % 2 ? 'spam' : 'ham' })));
    await killedEqualsStraight(root, ['--data', data, '--model', 'transformer', '--d-model', '16', '--layers', '1', '--heads', '2', '--max-length', '16',
      '--vocab-size', '80', '--epochs', '3', '--batch-size', '4', '--eval-every', '3', '--patience', '0', '--no-baseline', '--no-progress']);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test(`attn train with masked-LM pretraining killed up to ${KILLS} times and resumed ends with the uninterrupted run's model, byte for byte`, { timeout: 30 * 60_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'attn-kill-slow-pretrain-'));
  try {
    const data = join(root, 'data.jsonl');
    writeJsonl(data, Array.from({ length: 80 }, (_, i) => ({ text: i % 2 ? `free cash prize offer now ${i}` : `meeting patch review notes today ${i}`, label: i % 2 ? 'spam' : 'ham' })));
    const kills = await killedEqualsStraight(root, ['--data', data, '--model', 'transformer', '--d-model', '16', '--layers', '1', '--heads', '2', '--max-length', '16',
      '--vocab-size', '80', '--pretrain-epochs', '4', '--epochs', '2', '--batch-size', '4', '--eval-every', '3', '--patience', '0', '--no-baseline', '--no-progress']);
    // Pretraining is half or more of the run: at least one kill must have landed in it.
    assert.ok(kills.some((k) => k.killed && k.phase === 'pretrain'), `no kill landed during pretraining: ${JSON.stringify(kills)}`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test(`attn train --task lm killed up to ${KILLS} times and resumed ends with the uninterrupted run's model, byte for byte`, { timeout: 30 * 60_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'attn-kill-slow-lm-'));
  try {
    const corpus = join(root, 'tiny.txt');
    const words = ['the', 'whale', 'sea', 'ship', 'captain', 'white', 'call', 'me', 'some', 'years', 'ago', 'never', 'mind', 'how', 'long'];
    let s = 7;
    const next = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) % words.length);
    writeFileSync(corpus, Array.from({ length: 600 }, (_, i) => words[next()] + (i % 12 === 11 ? '.\n' : ' ')).join(''));
    await killedEqualsStraight(root, ['--task', 'lm', '--data', corpus, '--block-size', '16', '--layers', '1', '--heads', '2', '--dim', '16',
      '--batch-size', '4', '--eval-every', '4', '--max-steps', '40', '--no-progress']);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
