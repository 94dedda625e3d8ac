// exportHuggingFace: the exported folder loads back with loadPretrained (the reader of HF
// folders, checked against PyTorch in test/models/hf) with identical logits; its tokenizer.json
// encodes as attn's tokenizer; models with no HF architecture are refused with one line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { GPT, LlamaForCausalLM, loadPretrained, manualSeed, memory, noGrad, RunFolder, text, type Tensor } from '../../src/index.js';
import { exportHuggingFace, ExportError } from '../../src/export/index.js';
import { TransformerClassifier } from '../../src/models/transformer-classifier.js';
import { defaultModelConfig } from '../../src/models/index.js';
import type { TransformerClassifierConfig } from '../../src/models/config.js';
import { loadSafetensorsFile } from '../../src/io/safetensors-file.js';
import { loadPretrainedTokenizer, loadTokenizerJson } from '../../src/text/hf/load-tokenizer.js';
import { fileURLToPath } from 'node:url';
import { fixtureDir } from '../models/hf/helpers.js';
import { assertAllClose, forwardOf, ids, logitsOf, tinyLlama, withTempDir } from './helpers.js';

const PROMPT = [[3, 9, 1, 40, 22, 7], [5, 5, 60, 2, 0, 11]];


function roundTrip(model: GPT | LlamaForCausalLM, expectType: string, source: Parameters<typeof exportHuggingFace>[0] = model): void {
  withTempDir((dir) => {
    const report = exportHuggingFace(source, dir);
    assert.equal(report.modelType, expectType);
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    assert.equal(config.model_type, expectType);
    const loaded = loadPretrained(dir);
    try {
      assert.deepEqual(loaded.unusedWeights, [], 'every exported tensor is a weight the loader uses');
      const x = ids(PROMPT);
      assertAllClose(logitsOf(forwardOf(loaded.model), x), logitsOf((t) => model.forward(t), x), 1e-6, `${expectType} logits after the round trip`);
      x.dispose();
    } finally {
      loaded.dispose();
    }
  });
}

test('gpt → gpt2: exact and tanh GELU, biases or none (zeros), tied lm_head not stored, Conv1D layout', () => {
  manualSeed(1);
  for (const [activation, bias] of [['gelu', true], ['gelu_new', false]] as const) {
    const model = new GPT({ vocabSize: 64, blockSize: 16, nLayer: 2, nHead: 2, nEmbd: 16, bias, activation, layerNormEpsilon: 1e-6 });
    roundTrip(model, 'gpt2');
    withTempDir((dir) => {
      exportHuggingFace(model, dir);
      const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
      assert.equal(config.activation_function, activation);
      assert.equal(config.layer_norm_epsilon, 1e-6);
      assert.deepEqual([config.n_embd, config.n_layer, config.n_head, config.n_positions, config.vocab_size], [16, 2, 2, 16, 64]);
      const { tensors, metadata } = loadSafetensorsFile(join(dir, 'model.safetensors'));
      assert.equal(metadata.format, 'pt');
      assert.ok(!('lm_head.weight' in tensors), 'lm_head is tied, not stored');
      assert.deepEqual(tensors['transformer.h.0.mlp.c_fc.weight']!.shape, [16, 64], 'Conv1D: [in, out]');
      assert.deepEqual(tensors['transformer.h.1.attn.c_attn.weight']!.shape, [16, 48]);
      assert.ok('transformer.h.0.attn.c_proj.bias' in tensors, 'GPT-2 always has biases');
      if (!bias) assert.ok(tensors['transformer.ln_f.bias']!.data.every((v) => v === 0));
    });
    model.dispose();
  }
});

test('llama → llama (GQA, llama3 rope scaling, separate lm_head) and → qwen2 (q/k/v biases, tied)', () => {
  manualSeed(2);
  const llama = new LlamaForCausalLM(tinyLlama({ ropeScaling: { type: 'llama3', factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 16 } }));
  roundTrip(llama, 'llama');
  llama.dispose();
  const qwen = new LlamaForCausalLM(tinyLlama({ qkvBias: true, tieWordEmbeddings: true, numKeyValueHeads: 1, ropeTheta: 1e6, ropeScaling: { type: 'linear', factor: 2 } }));
  roundTrip(qwen, 'qwen2');
  qwen.dispose();
  const biased = new LlamaForCausalLM(tinyLlama({ qkvBias: true, outputBias: true, mlpBias: true }));
  roundTrip(biased, 'llama');
  biased.dispose();
});

test('a run folder exports with its tokenizer: byte-level BPE as tokenizer.json encodes and decodes as attn', () => {
  manualSeed(3);
  const corpus = ['the cat sat on the mat', "it's 2026 — naïve café, emoji 😀 and\nnew lines  with   spaces", 'the mat sat on the cat'];
  const bpe = text.BpeTokenizer.train(corpus, { vocabSize: 300, minFrequency: 1 });
  const model = new GPT({ vocabSize: bpe.vocabSize, blockSize: 16, nLayer: 1, nHead: 2, nEmbd: 8 });
  withTempDir((dir) => {
    const run = new RunFolder(join(dir, 'run'));
    run.create();
    run.writeModel({ config: model.config, weights: model.stateDict(), tokenizer: bpe.toJSON() });
    const out = join(dir, 'hf');
    const report = exportHuggingFace(run.dir, out);
    assert.equal(report.tokenizerSkipped, null);
    assert.ok(report.files.includes('tokenizer.json') && report.files.includes('tokenizer_config.json'));
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    assert.equal(config.eos_token_id, bpe.eosId);
    const hfTok = loadTokenizerJson(join(out, 'tokenizer.json'));
    for (const s of [...corpus, 'unseen wörds ñ 日本語', '  leading and trailing  ', "we'll they're"]) {
      const want = bpe.encode(s);
      assert.deepEqual(hfTok.encode(s), want, JSON.stringify(s));
      assert.equal(hfTok.decode(want), bpe.decode(want));
    }
    const loaded = loadPretrained(out);
    const x = ids([[1, 2, 3, 4]]);
    assertAllClose(logitsOf(forwardOf(loaded.model), x), logitsOf((t) => model.forward(t), x), 1e-6, 'logits');
    x.dispose();
    loaded.dispose();
  });
  model.dispose();
});

test('a char tokenizer becomes a WordLevel tokenizer.json (lower-casing, end of text, unknown characters)', () => {
  const tok = new text.CharTokenizer({ lower: true, eosToken: '<|end|>' }).fitOnTexts(['Hello, wörld!\nNew line 😀']);
  const model = new GPT({ vocabSize: tok.vocabSize, blockSize: 8, nLayer: 1, nHead: 1, nEmbd: 8 });
  withTempDir((dir) => {
    const report = exportHuggingFace({ model, tokenizer: tok }, dir);
    assert.equal(report.tokenizerSkipped, null);
    const hfTok = loadTokenizerJson(join(dir, 'tokenizer.json'));
    for (const s of ['HELLO wörld', 'new\nline 😀!', 'unseen: xyz']) {
      assert.deepEqual(hfTok.encode(s), tok.encode(s), JSON.stringify(s));
      const known = tok.encode(s).filter((i) => i !== 1);
      assert.equal(hfTok.decode(known), tok.decode(known));
    }
  });
  model.dispose();
});

test('a Hugging Face folder (fine-tuned or not) exports again with its own tokenizer and generation files', () => {
  const original = loadPretrained(fixtureDir('llama'));
  withTempDir((dir) => {
    const report = exportHuggingFace(fixtureDir('llama'), dir);
    assert.equal(report.modelType, 'llama');
    assert.deepEqual(readFileSync(join(dir, 'generation_config.json')), readFileSync(join(fixtureDir('llama'), 'generation_config.json')));
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).eos_token_id, [2, 3]);
    const again = loadPretrained(dir);
    assert.deepEqual(again.generation, original.generation);
    const x = ids(PROMPT);
    assertAllClose(logitsOf(forwardOf(again.model), x), logitsOf(forwardOf(original.model), x), 1e-6, 'llama fixture logits');
    x.dispose();
    again.dispose();
  });
  original.dispose();
});

test('models with no Hugging Face architecture are refused with one line naming what is supported', () => {
  const before = memory().numTensors;
  const clf = new TransformerClassifier(defaultModelConfig('transformer', 50, 3, 16) as TransformerClassifierConfig);
  const rotary = new GPT({ vocabSize: 16, blockSize: 8, nLayer: 1, nHead: 2, nEmbd: 8, positional: 'rotary' });
  withTempDir((dir) => {
    const out = join(dir, 'out');
    for (const [model, pattern] of [[clf, /transformer model has no Hugging Face.*supported: gpt .*llama.*Classifiers export to ONNX/], [rotary, /rotary positions.*GPT-2/]] as const) {
      assert.throws(() => exportHuggingFace(model, out), (err: Error) => err instanceof ExportError && !err.message.includes('\n') && pattern.test(err.message));
    }
    assert.ok(!existsSync(out), 'nothing written');
    assert.throws(() => exportHuggingFace(join(dir, 'missing'), out), /missing: no such folder/);
  });
  clf.dispose();
  rotary.dispose();
  assert.equal(memory().numTensors, before);
});

test('a run folder with a Hugging Face tokenizer (a fine-tuned pretrained model) exports the original tokenizer.json and tokenizer_config.json', () => {
  const dir = fileURLToPath(new URL('../fixtures/tokenizers/llama3-bytelevel/', import.meta.url));
  const tok = loadPretrainedTokenizer(dir);
  const model = new LlamaForCausalLM(tinyLlama({ vocabSize: tok.vocabSize }));
  withTempDir((out) => {
    const report = exportHuggingFace({ model, tokenizer: tok }, out);
    assert.equal(report.tokenizerSkipped, null);
    assert.deepEqual(JSON.parse(readFileSync(join(out, 'tokenizer.json'), 'utf8')), JSON.parse(readFileSync(join(dir, 'tokenizer.json'), 'utf8')));
    const config = JSON.parse(readFileSync(join(out, 'tokenizer_config.json'), 'utf8'));
    assert.equal(config.chat_template, JSON.parse(readFileSync(join(dir, 'tokenizer_config.json'), 'utf8')).chat_template);
    const again = loadPretrainedTokenizer(out);
    assert.deepEqual(again.encode('Hello world, 12345 — déjà vu'), tok.encode('Hello world, 12345 — déjà vu'));
  });
  model.dispose();
});

test('bert and distilbert bodies (loaded with old names and prefixes) export under BertModel / DistilBertModel names and load back equal', () => {
  for (const name of ['bert', 'distilbert']) {
    const original = loadPretrained(fixtureDir(name));
    withTempDir((dir) => {
      const report = exportHuggingFace(fixtureDir(name), dir);
      assert.equal(report.modelType, name);
      const { tensors } = loadSafetensorsFile(join(dir, 'model.safetensors'));
      assert.ok('embeddings.word_embeddings.weight' in tensors, 'no bert./distilbert. prefix, as BertModel.save_pretrained');
      assert.ok(!Object.keys(tensors).some((k) => /gamma|beta/.test(k)), 'LayerNorm weight/bias, not gamma/beta');
      const again = loadPretrained(dir);
      assert.deepEqual(again.unusedWeights, []);
      const x = ids([[2, 9, 14, 3, 0], [2, 30, 31, 32, 3]]);
      const mask = ids([[1, 1, 1, 1, 0], [1, 1, 1, 1, 1]]);
      const run = (m: unknown) => noGrad(() => {
        const out = (m as { forward(x: Tensor, o: object): { lastHiddenState: Tensor; poolerOutput?: Tensor | null } }).forward(x, { attentionMask: mask });
        return [Float32Array.from(out.lastHiddenState.data() as Float32Array), out.poolerOutput ? Float32Array.from(out.poolerOutput.data() as Float32Array) : null] as const;
      });
      const [h1, p1] = run(original.model);
      const [h2, p2] = run(again.model);
      assertAllClose(h2, h1, 1e-6, `${name} hidden states`);
      assert.equal(p2 === null, p1 === null);
      if (p1 && p2) assertAllClose(p2, p1, 1e-6, `${name} pooler`);
      x.dispose();
      mask.dispose();
      again.dispose();
    });
    original.dispose();
  }
});
