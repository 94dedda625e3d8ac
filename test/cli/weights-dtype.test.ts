// `--weights-dtype` on the commands that load a Hugging Face folder: attn generate with bfloat16
// weights prints the tokens the library generates from a bfloat16 load; a bad value is a usage
// error; a model that cannot fit is refused in one line worded with the flags that would fit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli.js';
import { generateText, loadPretrained } from '../../src/index.js';
import { loadPretrainedTokenizer } from '../../src/text/index.js';
import { saveSafetensorsFile } from '../../src/io/safetensors-file.js';
import { fixtureDir } from '../models/hf/helpers.js';
import { loadHuggingFaceClassifier } from '../../src/infer/classifier-folder.js';
import { cliAsync, writeJsonl } from '../helpers/cli.js';

const WORDS = ['the', 'cat', 'sat', 'on', 'mat', 'dog', 'ran', 'in', 'park'];

function gpt2Folder(root: string): string {
  const dir = join(root, 'gpt2');
  cpSync(fixtureDir('gpt2'), dir, { recursive: true });
  const vocab: Record<string, number> = { '[PAD]': 0, '[UNK]': 1 };
  WORDS.forEach((w, i) => (vocab[w] = i + 2));
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify({
    version: '1.0', truncation: null, padding: null, added_tokens: [], normalizer: null,
    pre_tokenizer: { type: 'Whitespace' }, post_processor: null, decoder: { type: 'WordPiece', prefix: '##', cleanup: false },
    model: { type: 'WordLevel', vocab, unk_token: '[UNK]' },
  }));
  return dir;
}

test('attn generate --weights-dtype bfloat16 generates what the library does from a bfloat16 load; bad values are refused', async () => {
  const root = mkdtempSync(join(tmpdir(), 'attn-wd-'));
  try {
    const dir = gpt2Folder(root);
    const r = cli(['generate', '--model', dir, 'the cat sat', '--max-new-tokens', '8', '--temperature', '0', '--json', '--weights-dtype', 'bfloat16']);
    assert.equal(r.status, 0, r.stderr);
    const lm = loadPretrained(dir, { weights: 'bfloat16' });
    const want = await generateText(lm.model as never, loadPretrainedTokenizer(dir), 'the cat sat', { ...lm.generation, maxNewTokens: 8, temperature: 0 });
    lm.dispose();
    assert.deepEqual(JSON.parse(r.stdout).tokens, want.tokens);
    const bad = cli(['generate', '--model', dir, 'the', '--weights-dtype', 'int8']);
    assert.equal(bad.status, 2);
    assert.equal(bad.stderr, "attn: --weights-dtype must be float32, bfloat16, float16 or auto, got 'int8'\n");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a model too large for float32 is refused in one line naming --weights-dtype and --lora-rank, by attn generate and attn serve', () => {
  const dir = mkdtempSync(join(tmpdir(), 'attn-wd-huge-'));
  try {
    writeFileSync(join(dir, 'config.json'), JSON.stringify({
      model_type: 'llama', hidden_size: 2048, intermediate_size: 8192, num_hidden_layers: 16, num_attention_heads: 32, num_key_value_heads: 8,
      vocab_size: 128256, max_position_embeddings: 131072, tie_word_embeddings: true,
    }));
    saveSafetensorsFile(join(dir, 'model.safetensors'), { 'model.norm.weight': { dtype: 'float32', shape: [4], data: new Float32Array(4) } });
    writeFileSync(join(dir, 'tokenizer.json'), '{}');
    const r = cli(['generate', '--model', dir, 'hello', '--weights-dtype', 'float32']);
    assert.equal(r.status, 1);
    assert.equal(r.stderr.split('\n').length, 2, r.stderr);
    assert.match(r.stderr, /^attn: .*config\.json: the model needs 4\.\d\d GiB \(1,235,814,400 parameters as float32 weights: 4\.6\d GiB; KV cache and activations for 1×\d+ tokens: 0\.\d\d GiB\), more than the \d\.\d\d GiB free in the arena \(wasm32 memory is at most 4 GiB\); half-precision weights would fit \(--weights-dtype bfloat16 or float16, 2\.\d\d GiB\); fine-tuning with --lora-rank 8 --weights-dtype bfloat16 needs about 2\.\d\d GiB\n$/);
    // attn serve loads in its model worker: the error crosses the thread and keeps the flags' wording.
    const served = cli(['serve', '--model', dir, '--weights-dtype', 'float32', '--port', '0']);
    assert.equal(served.status, 1);
    assert.equal(served.stderr.split('\n').length, 2, served.stderr);
    assert.match(served.stderr, /half-precision weights would fit \(--weights-dtype bfloat16 or float16, 2\.\d\d GiB\); fine-tuning with --lora-rank 8 --weights-dtype bfloat16 needs about 2\.\d\d GiB\n$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('attn predict and attn eval --weights-dtype: the probabilities and metrics of the library\'s half-precision load, not float32\'s', async () => {
  const root = mkdtempSync(join(tmpdir(), 'attn-wd-clf-'));
  try {
    const dir = fixtureDir('bert-classifier');
    const texts = ['the cat sat on the mat', 'a dog ran in the park'];
    const data = join(root, 'data.jsonl');
    writeJsonl(data, texts.map((text, i) => ({ text, label: ['negative', 'positive'][i] })));
    const [predict, evaluate] = await Promise.all([
      cliAsync(['predict', '--model', dir, ...texts, '--json', '--weights-dtype', 'bfloat16', '--backend', 'ref']),
      cliAsync(['eval', '--model', dir, '--data', data, '--json', '--weights-dtype', 'float16', '--backend', 'ref']),
    ]);
    assert.equal(predict.status, 0, predict.stderr);
    assert.equal(evaluate.status, 0, evaluate.stderr);
    const got = predict.stdout.trim().split('\n').map((l) => JSON.parse(l).probabilities as Record<string, number>);
    const of = (weights: 'bfloat16' | 'float16' | 'float32') => {
      const clf = loadHuggingFaceClassifier(dir, { weights });
      try {
        return { probabilities: clf.predict(texts).map((p) => p.probabilities), metrics: clf.evaluate(texts.map((text, i) => ({ text, label: ['negative', 'positive'][i]! })), 'data') };
      } finally {
        clf.dispose();
      }
    };
    const [bf16, f16, f32] = [of('bfloat16'), of('float16'), of('float32')];
    let moved = 0;
    got.forEach((p, i) => Object.entries(p).forEach(([label, prob]) => {
      assert.ok(Math.abs(prob - bf16.probabilities[i]![label]!) < 1e-5, `${label}: ${prob} vs the bfloat16 load's ${bf16.probabilities[i]![label]}`);
      moved = Math.max(moved, Math.abs(prob - f32.probabilities[i]![label]!));
    }));
    assert.ok(moved > 1e-5, `bfloat16 rounding shows in the probabilities (largest change ${moved})`);
    const metrics = JSON.parse(evaluate.stdout).metrics;
    assert.equal(metrics.accuracy, f16.metrics.accuracy);
    assert.ok(Math.abs(metrics.loss - f16.metrics.loss!) < 1e-5, `eval loss ${metrics.loss} vs the float16 load's ${f16.metrics.loss}`);
    assert.ok(Math.abs(metrics.loss - f32.metrics.loss!) > 1e-6, `float16 rounding shows in the loss (${metrics.loss} vs float32's ${f32.metrics.loss})`);
    const bad = await cliAsync(['predict', '--model', dir, 'x', '--weights-dtype', 'fp8']);
    assert.equal(bad.status, 2);
    assert.equal(bad.stderr, "attn: --weights-dtype must be float32, bfloat16, float16 or auto, got 'fp8'\n");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
