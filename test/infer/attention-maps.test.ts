// The explorer's weights come from the models' explicit weights path: checked on every backend
// against the unfused formula softmax(QKᵀ/√d + mask) recomputed here from the layers' own
// projections (GPT's causal mask, the classifier's padding mask, Llama's RoPE and shared key/value
// heads); embeddings against a manual mean.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GPT, cat, defaultModelConfig, fromArray, manualSeed, noGrad, tidy, arange, type Tensor, type TransformerClassifierConfig } from '../../src/index.js';
import { linear } from '../../src/nn/functional.js';
import { TransformerClassifier } from '../../src/models/transformer-classifier.js';
import { embedTexts } from '../../src/infer/attention-maps.js';
import { fileURLToPath } from 'node:url';
import { loadPretrained } from '../../src/models/hf/load-pretrained.js';
import { ropeInverseFrequencies, type LlamaForCausalLM } from '../../src/models/hf/llama.js';
import { forEachBackend } from '../helpers/backends.js';
import { maxAbsDiff } from '../nn/helpers.js';

/** softmax(q kᵀ / √d + mask) for q, k (B, H, T, d) and an additive mask (B, 1, T, T). */
function unfused(q: Tensor, k: Tensor, mask: Tensor): Tensor {
  const d = q.shape[3]!;
  return q.matmul(k.transpose(-2, -1)).mul(1 / Math.sqrt(d)).add(mask).softmax(-1); // (B, H, T, T)
}

const heads = (t: Tensor, H: number): Tensor => {
  const [B, T, C] = t.shape as [number, number, number];
  return t.reshape([B, T, H, C / H]).transpose(1, 2); // (B, H, T, C/H)
};

test('GPT: returnAttention gives softmax(QKᵀ/√d + causal mask) of every layer, on every backend', () => {
  forEachBackend((backend) => {
    manualSeed(3);
    const model = new GPT({ vocabSize: 11, blockSize: 12, nLayer: 2, nHead: 2, nEmbd: 8 }).eval();
    noGrad(() => tidy(() => {
      const T = 7;
      const ids = fromArray(Int32Array.from([1, 4, 2, 9, 3, 3, 7, 0, 5, 6, 10, 2, 8, 1]), [2, T]);
      const { attentions } = model.forward(ids, { returnAttention: true });
      const causal = fromArray(Float32Array.from({ length: T * T }, (_, n) => (n % T > Math.floor(n / T) ? -Infinity : 0)), [1, 1, T, T]);
      const t = model.transformer;
      let x = t.wte.forward(ids).add(t.wpe!.forward(arange(0, T))); // (B, T, C)
      [...t.h].forEach((block, l) => {
        const qkv = block.attn.c_attn.forward(block.ln_1.forward(x)); // (B, T, 3C)
        const [q, k] = qkv.split(8, 2).map((p) => heads(p, 2)) as [Tensor, Tensor];
        const want = unfused(q, k, causal); // (B, H, T, T)
        assert.deepEqual([...attentions[l]!.shape], [2, 2, T, T]);
        assert.ok(maxAbsDiff(attentions[l]!, want) <= 1e-5, `${backend} layer ${l}: off by ${maxAbsDiff(attentions[l]!, want)}`);
        x = block.forward(x, { cache: null, layer: l, past: 0, keyMask: null, returnAttention: false } as never).x; // (B, T, C)
      });
    }));
    model.dispose();
  });
});

test('TransformerClassifier.attentionMaps: every layer and head is softmax(QKᵀ/√d + padding mask), on every backend', () => {
  forEachBackend((backend) => {
    for (const pooling of ['mean', 'cls'] as const) {
      manualSeed(4);
      const config = { ...defaultModelConfig('transformer', 20, 3, 10), dModel: 12, numHeads: 3, numLayers: 2, dimFeedforward: 16, dropout: 0, pooling } as TransformerClassifierConfig;
      const model = new TransformerClassifier(config).eval();
      noGrad(() => tidy(() => {
        const ids = fromArray(Int32Array.from([3, 7, 1, 9, 4, 5, 2, 0, 0, 0]), [2, 5]); // row 1 is padded
        const maps = model.attentionMaps(ids);
        const extra = pooling === 'cls' ? 1 : 0;
        const T = 5 + extra;
        assert.equal(maps.length, 2);
        const real = [[1, 1, 1, 1, 1], [1, 1, 0, 0, 0]].map((row) => [...new Array(extra).fill(1), ...row]);
        const mask = fromArray(Float32Array.from(real.flatMap((row) => Array.from({ length: T }, () => row.map((r) => (r ? 0 : -Infinity))).flat())), [2, 1, T, T]);
        // The layers' input, recomputed with the public modules: embedding · √d (+ [CLS]) + positions.
        let x = model.embedding.forward(ids).mul(Math.sqrt(12)); // (B, 5, D)
        if (model.clsToken) x = cat([model.clsToken.expand([2, 1, 12]), x], 1); // (B, 1 + 5, D)
        x = model.positional.forward(x); // (B, T, D)
        const padding = fromArray(Int32Array.from(real.flat().map((r) => (r ? 0 : 1))), [2, T]).ne(0); // (B, T) true = padding
        [...model.layers].forEach((layer, l) => {
          const qkv = linear(layer.norm1.forward(x), layer.selfAttn.inProjWeight!, layer.selfAttn.inProjBias); // (B, T, 3D)
          const [q, k] = qkv.split(12, 2).map((p) => heads(p, 3)) as [Tensor, Tensor];
          const want = unfused(q, k, mask); // (B, H, T, T)
          assert.deepEqual([...maps[l]!.shape], [2, 3, T, T]);
          assert.ok(maxAbsDiff(maps[l]!, want) <= 1e-5, `${backend} ${pooling} layer ${l}: off by ${maxAbsDiff(maps[l]!, want)}`);
          x = layer.forward(x, { srcKeyPaddingMask: padding }); // (B, T, D)
        });
        // The last layer's head mean is what forwardWithAttention pools with: its logits are forward's.
        assert.ok(maxAbsDiff(model.forwardWithAttention(ids).logits, model.forward(ids)) <= 1e-5, `${backend}: the weights path gives the same logits`);
      }));
      model.dispose();
    }
  });
});

test('embedTexts: the mean of a language model\'s final hidden states over the tokens', () => {
  manualSeed(5);
  const model = new GPT({ vocabSize: 11, blockSize: 12, nLayer: 1, nHead: 2, nEmbd: 8 }).eval();
  const tokenizer = { encode: (t: string) => [...t].map((c) => c.charCodeAt(0) % 11), decode: () => '', tokenize: (t: string) => [...t] } as never;
  const { vectors, tokens } = embedTexts({ kind: 'language-model', model, tokenizer }, ['abc', 'hello']);
  assert.equal(tokens, 8);
  noGrad(() => tidy(() => {
    const h = model.hiddenStates(fromArray(Int32Array.from([...'hello'].map((c) => c.charCodeAt(0) % 11)), [1, 5])).data(); // (1, 5, 8)
    const want = Array.from({ length: 8 }, (_, c) => [0, 1, 2, 3, 4].reduce((a, t) => a + h[t * 8 + c]!, 0) / 5);
    assert.equal(vectors[1]!.length, 8);
    vectors[1]!.forEach((v, c) => assert.ok(Math.abs(v - want[c]!) <= 1e-6, `dimension ${c}`));
  }));
  assert.ok(vectors[0]!.some((v, c) => Math.abs(v - vectors[1]![c]!) > 1e-4), 'two texts, two embeddings');
  model.dispose();
});

test('Llama (GQA, RoPE with llama3 scaling): returnAttention gives softmax(QKᵀ/√d + causal mask) with rotated q and k, on every backend', () => {
  const dir = fileURLToPath(new URL('../fixtures/hf/llama/', import.meta.url));
  forEachBackend((backend) => {
    const pretrained = loadPretrained(dir);
    const model = pretrained.model as LlamaForCausalLM;
    model.eval();
    const { numAttentionHeads: H, numKeyValueHeads: Hkv, headDim: D } = model.config;
    const T = 9;
    noGrad(() => tidy(() => {
      const ids = fromArray(Int32Array.from([1, 5, 9, 14, 3, 22, 8, 40, 17]), [1, T]);
      const { attentions } = model.forward(ids, { returnAttention: true });
      const layer = [...model.model.layers][0]!;
      const x = layer.input_layernorm.forward(model.model.embed_tokens.forward(ids)); // (1, T, C)
      const q = layer.self_attn.q_proj.forward(x).data(); // (1, T, H·D)
      const k = layer.self_attn.k_proj.forward(x).data(); // (1, T, Hkv·D)
      const inv = ropeInverseFrequencies(model.config);
      const half = D / 2;
      // RoPE, rotate-half form: x·cos + rotate_half(x)·sin, angle = position · inv_freq (the halves share frequencies).
      const rope = (v: ArrayLike<number>, width: number, t: number, head: number): number[] => Array.from({ length: D }, (_, d) => {
        const angle = Math.fround(t * inv[d % half]!);
        const x0 = v[t * width + head * D + d]!;
        const rotated = d < half ? -v[t * width + head * D + d + half]! : v[t * width + head * D + d - half]!;
        return x0 * Math.cos(angle) + rotated * Math.sin(angle);
      });
      const w = attentions[0]!.data(); // (1, H, T, T)
      let worst = 0;
      for (let hd = 0; hd < H; hd++) {
        const g = Math.floor(hd / (H / Hkv)); // the key/value head this query head shares
        for (let i = 0; i < T; i++) {
          const qi = rope(q, H * D, i, hd);
          const scores = Array.from({ length: T }, (_, j) => (j > i ? -Infinity : rope(k, Hkv * D, j, g).reduce((a, kj, d) => a + kj * qi[d]!, 0) / Math.sqrt(D)));
          const max = Math.max(...scores);
          const e = scores.map((s) => Math.exp(s - max));
          const sum = e.reduce((a, b) => a + b, 0);
          e.forEach((p, j) => (worst = Math.max(worst, Math.abs(p / sum - w[(hd * T + i) * T + j]!))));
        }
      }
      assert.ok(worst <= 1e-5, `${backend}: layer 0 off by ${worst}`);
    }));
    pretrained.dispose();
  });
});
