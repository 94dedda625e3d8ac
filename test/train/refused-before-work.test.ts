// trainTextClassifier refuses what it can before reading the data or writing the run folder: a
// configuration that cannot be built, and sizes that cannot fit in the arena (with the bytes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { trainTextClassifier } from '../../src/train/text-classification.js';
import { OptionError } from '../../src/train/errors.js';
import { classifierTrainingBytes, ARENA_LIMIT_BYTES } from '../../src/models/memory.js';
import { defaultModelConfig } from '../../src/models/config.js';

const root = () => mkdtempSync(join(tmpdir(), 'attn-refused-'));
// A data path that does not exist: a refusal that comes first proves the data was never read.
const NO_DATA = '/nonexistent/attn-data.jsonl';

test('heads that do not divide the width are refused before the data is read, and no run folder is made', async () => {
  const out = join(root(), 'run');
  await assert.rejects(
    trainTextClassifier({ data: NO_DATA, model: 'transformer', modelOptions: { dModel: 16, numHeads: 3 }, outDir: out, baseline: false }),
    { message: "model config: field 'dModel' 16 must be divisible by numHeads 3" },
  );
  assert.ok(!existsSync(out), 'no half-made run folder');
});

test('a --max-length whose position table cannot fit the arena is refused at once, with the bytes it needs', async () => {
  const out = join(root(), 'run');
  const started = performance.now();
  await assert.rejects(trainTextClassifier({ data: NO_DATA, model: 'transformer', maxLength: 100_000_000, outDir: out, baseline: false }), (err: unknown) => {
    assert.ok(err instanceof OptionError);
    assert.equal(err.option, 'maxLength');
    assert.match(err.message, /^maxLength: a transformer model with maxLength 100000000, vocabSize 20000, dModel 64, 2 layers and batches of 32 × 1 tokens needs at least 2\d\.\d GiB to train \(.*position table 23\.8 GiB.*\), more than the 4\.0 GiB the arena can hold \(wasm32\); lower it$/);
    return true;
  });
  assert.ok(performance.now() - started < 2000, 'refused without building anything');
  assert.ok(!existsSync(out));
  // A vocabulary too large for its embedding names vocabSize.
  await assert.rejects(trainTextClassifier({ data: NO_DATA, model: 'bow', vocabSize: 1e9, outDir: null, baseline: false }), { name: 'OptionError', message: /^vocabSize: a bow model .* needs at least 29\.8 GiB/ });
});

test('the activations of the longest batch the data makes are checked after tokenizing, before training', async () => {
  // 40 texts of 3000 words with batches of 4096: ~1.5 GB of activations per layer.
  const word = (i: number) => `w${i % 50}`;
  const data = Array.from({ length: 40 }, (_, i) => ({ text: Array.from({ length: 3000 }, (_, j) => word(i + j)).join(' '), label: i % 2 ? 'a' : 'b' }));
  await assert.rejects(
    trainTextClassifier({ data, model: 'transformer', maxLength: 4096, outDir: null, baseline: false, trainer: { batchSize: 4096 } }),
    // Named after the batch: 128 times the usual 32, where the length is 16 times the usual 256.
    { name: 'OptionError', message: /^batchSize: .* batches of 4096 × 3000 tokens needs at least .* GiB to train \(.*activations of one batch/ },
  );
  // A long length with an ordinary batch names maxLength.
  await assert.rejects(
    trainTextClassifier({ data, model: 'transformer', maxLength: 4096, outDir: null, baseline: false, trainer: { batchSize: 400 } }),
    { name: 'OptionError', message: /^maxLength: .* batches of 400 × 3000 tokens needs at least .* to train \(.*activations of one batch/ },
  );
});

test('the memory estimate of the default models is far below the arena limit', () => {
  for (const type of ['transformer', 'bilstm-attention', 'bow'] as const) {
    const need = classifierTrainingBytes(defaultModelConfig(type, 20000, 2, 256), { batchSize: 32, sequenceLength: 256 });
    assert.ok(need.total > 0 && need.total < ARENA_LIMIT_BYTES / 10, `${type}: ${need.total}`);
  }
});
