// LoRA over a frozen half-precision base: fineTunePretrained with `weights: 'bfloat16'` keeps the
// base matrices in bfloat16 (untouched, bit for bit), trains float32 adapters whose loss falls,
// and its memory check counts 2 bytes per base parameter; a full fine-tune of half weights is
// refused (they are frozen). Runs on the default backend; the kernels' parity is tested elsewhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPretrained, languageModelLoss, type Module } from '../../src/index.js';
import { fineTunePretrained, checkFineTuneMemory, checkpointParameters, FineTuneMemoryError } from '../../src/tasks/fine-tune.js';
import { trainingBytes } from '../../src/optim/lora.js';
import { fixtureDir } from '../models/hf/helpers.js';

const WORDS = ['the', 'cat', 'sat', 'on', 'mat', 'dog', 'ran', 'in', 'park', 'a'];

function folder(name: string, root: string): string {
  const dir = join(root, name);
  cpSync(fixtureDir(name), dir, { recursive: true });
  const vocab: Record<string, number> = { '[PAD]': 0, '[UNK]': 1 };
  WORDS.forEach((w, i) => (vocab[w] = i + 2));
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify({
    version: '1.0', truncation: null, padding: null,
    added_tokens: [{ id: 0, content: '[PAD]', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }],
    normalizer: null, pre_tokenizer: { type: 'Whitespace' }, post_processor: null, decoder: null,
    model: { type: 'WordLevel', vocab, unk_token: '[UNK]' },
  }));
  writeFileSync(join(root, 'text.txt'), Array.from({ length: 30 }, (_, i) => (i % 2 ? 'the cat sat on the mat' : 'the dog ran in the park a')).join('\n'));
  return dir;
}

test('LoRA over a bfloat16 base (Llama): base matrices stay bfloat16 and unchanged, adapters float32, the loss falls', async () => {
  const root = mkdtempSync(join(tmpdir(), 'attn-lora-half-'));
  try {
    const from = folder('llama', root);
    const report = await fineTunePretrained({
      from, task: 'lm', data: join(root, 'text.txt'), blockSize: 16, batchSize: 4, loraRank: 4, weights: 'bfloat16',
      trainer: { maxSteps: 8, lr: 1e-2, warmupSteps: 0, progress: false }, outDir: join(root, 'run'),
    });
    const tuned = new Map(report.model.namedParameters());
    const base = loadPretrained(from, { weights: 'bfloat16' }).model as unknown as Module;
    for (const [name, p] of base.namedParameters()) {
      const t = tuned.get(name)!;
      assert.equal(t.dtype, p.dtype, name);
      assert.deepEqual(t.data(), p.data(), `${name} unchanged`);
    }
    const adapters = [...tuned].filter(([n]) => n.includes('lora_'));
    assert.ok(adapters.length > 0 && adapters.every(([, p]) => p.dtype === 'float32' && p.requiresGrad));
    assert.ok(report.fit.steps === 8);
    // Memory: the frozen half matrices count 2 bytes each.
    const half = report.model.parameters().filter((p) => p.dtype === 'bfloat16').reduce((n, p) => n + p.size, 0);
    assert.ok(half > 0);
    assert.equal(report.trainingBytes, trainingBytes(report.model));
    const tokens = Int32Array.from('the cat sat on the mat the dog ran in the park a'.split(' ').map((w) => WORDS.indexOf(w) + 2));
    const before = languageModelLoss(base as never, tokens, { blockSize: 8 }).loss;
    const after = languageModelLoss(report.model as never, tokens, { blockSize: 8 }).loss;
    assert.ok(after < before, `loss ${before} → ${after}`);
    base.dispose();
    report.model.dispose();
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('the fine-tune memory check counts a half-precision base at 2 bytes per parameter; half weights are not fully fine-tuned', async () => {
  const dir = fixtureDir('gpt2');
  const n = checkpointParameters(dir);
  const lora32 = 4 * n + 16 * Math.ceil(n / 100);
  const lora16 = 2 * n + 16 * Math.ceil(n / 100);
  const free = (limit: number) => limit; // nothing else is allocated when the check runs in a fresh process
  assert.equal(checkFineTuneMemory(dir, { lora: true, weights: 'bfloat16', arenaLimitBytes: free(lora16 + 10_000_000) }).bytesNeeded, lora16);
  assert.throws(() => checkFineTuneMemory(dir, { lora: true, arenaLimitBytes: lora32 - 1 }), FineTuneMemoryError);
  await assert.rejects(
    fineTunePretrained({ from: dir, task: 'lm', data: 'x', weights: 'bfloat16', outDir: null }),
    /weights: bfloat16 weights are frozen: a full fine-tune trains float32 weights; train LoRA adapters over them \(loraRank\) or load float32/,
  );
});
