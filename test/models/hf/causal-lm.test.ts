// Parity of the Hugging Face decoders loaded by loadPretrained with a PyTorch reference written
// from modeling_gpt2.py / modeling_llama.py / modeling_qwen2.py (tools/make-hf-fixtures.py):
// logits of several prompts and of a left-padded batch within 1e-4 (relative, floor 1), greedy
// continuations of 20 tokens identical (with and without the KV cache), gradients of one LM
// fine-tuning step within 1e-4, on every backend. The folders cover: GPT-2 canonical (no prefix,
// F32, mask buffers), a GPT-2 fine-tune (transformer. prefix, stored lm_head, F16), Llama (GQA,
// llama3 rope scaling, separate lm_head, BF16, two shards) and Qwen2 (biases, tied, one kv head).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadPretrained, generate, fromArray, tidy, F, listBackends, setBackend, getBackend, GPT, LlamaForCausalLM, type Tensor } from '../../../src/index.js';
import { ropeInverseFrequencies } from '../../../src/models/hf/llama.js';
import { forEachBackend } from '../../helpers/backends.js';
import { assertClose, expected, fixtureDir } from './helpers.js';

const FOLDERS = ['gpt2', 'gpt2-finetune', 'llama', 'qwen2'] as const;
const PROMPTS = 3;
const TOL = 1e-4;

type LM = GPT | LlamaForCausalLM;

function load(name: string): { model: LM; lm: ReturnType<typeof loadPretrained> } {
  const lm = loadPretrained(fixtureDir(name));
  assert.ok(lm.architecture === 'gpt2' || lm.architecture === 'llama');
  return { model: lm.model as LM, lm };
}

const ids = (raw: { data: Float32Array | Int32Array; shape: number[] }): Tensor => fromArray(Int32Array.from(raw.data), raw.shape, { dtype: 'int32' });

for (const name of FOLDERS) {
  test(`${name}: loads as HF's architecture, with nothing left over`, () => {
    const { model, lm } = load(name);
    assert.equal(lm.architecture, name.startsWith('gpt2') ? 'gpt2' : 'llama');
    assert.ok(model instanceof (name.startsWith('gpt2') ? GPT : LlamaForCausalLM));
    assert.deepEqual(lm.unusedWeights, [], 'every checkpoint tensor is a weight or a known buffer');
    assert.equal(lm.files.length, name === 'llama' ? 2 : 1);
    assert.equal(model.training, false, 'eval mode');
    lm.dispose();
  });

  test(`${name}: logits of each prompt and of a left-padded batch equal the PyTorch reference`, () => {
    const want = expected(name);
    const { model, lm } = load(name);
    forEachBackend((backend) => {
      tidy(() => {
        for (let i = 0; i < PROMPTS; i++) {
          const logits = model.forward(ids(want[`prompt${i}.ids`]!)); // (1, T, V)
          assertClose(logits.data(), want[`prompt${i}.logits`]!, TOL, `${name} ${backend} prompt ${i}`, logits.shape);
        }
        // Positions derived from the mask as HF's generate does (the reference passes them explicitly).
        const batchIds = ids(want['batch.ids']!);
        const mask = ids(want['batch.mask']!);
        const logits = model.forward(batchIds, { attentionMask: mask }).data(); // (B, L, V)
        const ref = want['batch.logits']!;
        const V = ref.shape[2]!;
        const real = want['batch.mask']!.data;
        for (let p = 0; p < real.length; p++) {
          if (!real[p]) continue; // padding positions are never read
          const row = { dtype: 'float32' as const, shape: [V], data: ref.data.subarray(p * V, (p + 1) * V) as Float32Array };
          assertClose(logits.subarray(p * V, (p + 1) * V), row, TOL, `${name} ${backend} batch position ${p}`);
        }
        if (model instanceof LlamaForCausalLM) {
          const explicit = model.forward(batchIds, { attentionMask: mask, positionIds: ids(want['batch.positions']!) }).data();
          assert.deepEqual(explicit, logits, 'explicit positionIds equal the ones derived from the mask');
        }
      });
    });
    lm.dispose();
  });

  test(`${name}: greedy continuations equal the reference's (KV cache in both), with and without attn's cache`, async () => {
    const want = expected(name);
    const { model, lm } = load(name);
    const previous = getBackend();
    try {
      for (const backend of listBackends()) {
        setBackend(backend);
        for (let i = 0; i < PROMPTS; i++) {
          const prompt = Array.from(want[`prompt${i}.ids`]!.data);
          const greedy = Array.from(want[`prompt${i}.greedy`]!.data);
          for (const useCache of [true, false]) {
            const { tokens } = await generate(model, prompt, { maxNewTokens: greedy.length, temperature: 0, eosTokenId: null, useCache });
            assert.deepEqual(tokens, greedy, `${name} ${backend} prompt ${i} useCache ${useCache}`);
          }
        }
      }
    } finally {
      setBackend(previous);
    }
    lm.dispose();
  });

  test(`${name}: a left-padded batch of the prompts generates each prompt's reference continuation`, async () => {
    const want = expected(name);
    const { model, lm } = load(name);
    const prompts = Array.from({ length: PROMPTS }, (_, i) => Array.from(want[`prompt${i}.ids`]!.data));
    const greedy = Array.from({ length: PROMPTS }, (_, i) => Array.from(want[`prompt${i}.greedy`]!.data));
    const previous = getBackend();
    try {
      for (const backend of listBackends()) {
        setBackend(backend);
        const { tokens } = await generate(model, prompts, { maxNewTokens: greedy[0]!.length, temperature: 0, eosTokenId: null });
        assert.deepEqual(tokens, greedy, `${name} ${backend}`);
      }
    } finally {
      setBackend(previous);
    }
    lm.dispose();
  });

  test(`${name}: gradients of one LM fine-tuning step equal the reference's`, () => {
    const want = expected(name);
    const { model, lm } = load(name);
    const bySource = new Map(lm.weights.map((w) => [w.tensor.replace(/^transformer\./, ''), w]));
    const params = new Map(model.namedParameters());
    const gradNames = Object.keys(want).filter((k) => k.startsWith('grad.'));
    assert.ok(gradNames.length >= 5);
    forEachBackend((backend) => {
      model.zeroGrad();
      tidy(() => {
        const train = ids(want['train.ids']!); // (2, T)
        const [B, T] = train.shape as [number, number];
        const logits = model.forward(train); // (B, T, V)
        const V = logits.shape[2]!;
        const loss = F.crossEntropy(logits.slice(1, 0, T - 1).reshape([B * (T - 1), V]), train.slice(1, 1).reshape([B * (T - 1)]));
        assertClose(loss.data(), want['train.loss']!, TOL, `${name} ${backend} loss`);
        loss.backward();
      });
      for (const key of gradNames) {
        const hfName = key.slice('grad.'.length);
        const source = bySource.get(hfName);
        assert.ok(source, `${hfName} maps to a parameter`);
        const grad = params.get(source.param)!.grad!;
        let g = grad.data();
        if (source.transpose) {
          // Conv1D's gradient is [in, out]: compare with ours transposed back.
          const [rows, cols] = grad.shape as [number, number];
          const t = new Float32Array(g.length);
          for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = g[r * cols + c]!;
          g = t;
        }
        assertClose(g, want[key]!, TOL, `${name} ${backend} grad ${hfName}`);
      }
    });
    model.zeroGrad();
    lm.dispose();
  });
}

test('llama: per-step attention weights through generate (GQA) are distributions over the context', async () => {
  const { model, lm } = load('llama');
  const { tokens, attentions } = await generate(model, [1, 2, 3, 4], { maxNewTokens: 3, temperature: 0, eosTokenId: null, returnAttention: true });
  assert.equal(tokens.length, 3);
  assert.equal(attentions!.length, 3);
  attentions!.forEach((step, i) => {
    assert.equal(step.keys, 4 + i);
    assert.equal(step.layers.length, 2);
    for (const layer of step.layers) {
      assert.equal(layer.length, 4 * step.keys); // (B = 1, H = 4 query heads, keys)
      for (let h = 0; h < 4; h++) {
        const row = layer.subarray(h * step.keys, (h + 1) * step.keys);
        assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-5, `step ${i} head ${h} sums to 1`);
      }
    }
  });
  lm.dispose();
});

test('llama3 rope scaling: inverse frequencies equal the reference in float32', () => {
  for (const name of ['llama', 'qwen2']) {
    const { model, lm } = load(name);
    const inv = ropeInverseFrequencies((model as LlamaForCausalLM).config);
    assertClose(inv, expected(name)['inv_freq']!, 1e-7, `${name} inv_freq`);
    lm.dispose();
  }
  const llama = loadPretrained(fixtureDir('llama'));
  const c = (llama.model as LlamaForCausalLM).config;
  assert.deepEqual(c.ropeScaling, { type: 'llama3', factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 16 });
  assert.equal(c.numKeyValueHeads, 2);
  assert.equal(c.tieWordEmbeddings, false);
  llama.dispose();
});

test('generation_config.json becomes generation options (do_sample false = greedy; eos lists; config.json fallbacks)', () => {
  const cases: Record<string, object> = {
    gpt2: { temperature: 0, eosTokenId: 63 },
    'gpt2-finetune': { temperature: 0.7, topK: 20, eosTokenId: 63 },
    llama: { temperature: 0.6, topP: 0.9, eosTokenId: [2, 3] },
    qwen2: { temperature: 0, repetitionPenalty: 1.1, maxNewTokens: 16, eosTokenId: 2 },
  };
  for (const [name, options] of Object.entries(cases)) {
    const lm = loadPretrained(fixtureDir(name));
    assert.deepEqual(lm.generation, options, name);
    assert.equal(lm.maxLength, name.startsWith('gpt2') ? 48 : null);
    lm.dispose();
  }
});
