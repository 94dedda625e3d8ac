// GPT.loss / LlamaForCausalLM.loss (chunked lm_head through linearCrossEntropy) against the
// logits path causalLmLoss(model.forward(ids)), and the causal-LM objective that now uses them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GPT, LlamaForCausalLM, causalLanguageModelObjective, languageModelLoss, fromArray, manualSeed, tidy, type Tensor } from '../../src/index.js';
import { causalLmLoss } from '../../src/infer/losses.js';
import { parseLlamaConfig } from '../../src/models/hf/llama.js';
import { forEachBackend } from '../helpers/backends.js';
import { worstMismatch } from '../helpers/close.js';

const V = 23, B = 2, T = 7;

function batch(ignoreSome: boolean): { ids: Tensor; targets: Tensor } {
  const ids = Int32Array.from({ length: B * T }, (_, i) => (i * 5 + 1) % V);
  const targets = Int32Array.from({ length: B * T }, (_, i) => (ignoreSome && i % 5 === 2 ? -100 : (i * 5 + 6) % V));
  return { ids: fromArray(ids, [B, T], { dtype: 'int32' }), targets: fromArray(targets, [B, T], { dtype: 'int32' }) };
}

type LM = GPT | LlamaForCausalLM;

/** Loss value and every parameter gradient, by the model's loss path or by the logits path. */
function lossAndGrads(model: LM, fused: boolean, reduction: 'mean' | 'sum', ignoreSome: boolean): { loss: number; grads: Map<string, Float32Array> } {
  return tidy(() => {
    model.zeroGrad();
    const { ids, targets } = batch(ignoreSome);
    const loss = fused ? model.loss(ids, targets, { reduction, chunkSize: 5 }) : causalLmLoss(model.forward(ids), targets, { reduction });
    loss.backward();
    const grads = new Map<string, Float32Array>();
    for (const [name, p] of model.namedParameters()) grads.set(name, Float32Array.from(p.grad!.data() as Float32Array));
    model.zeroGrad();
    return { loss: loss.item(), grads };
  });
}

function assertSamePaths(model: LM, label: string): void {
  for (const reduction of ['mean', 'sum'] as const) {
    for (const ignoreSome of [false, true]) {
      const what = `${label} ${reduction}${ignoreSome ? ' with ignored targets' : ''}`;
      const a = lossAndGrads(model, true, reduction, ignoreSome);
      const b = lossAndGrads(model, false, reduction, ignoreSome);
      assert.ok(Math.abs(a.loss - b.loss) <= 1e-5 * Math.max(1, Math.abs(b.loss)), `${what}: loss ${a.loss} vs ${b.loss}`);
      assert.ok(b.grads.size > 0);
      for (const [name, g] of b.grads) {
        const m = worstMismatch(a.grads.get(name)!, g, 1e-4);
        assert.equal(m, null, `${what}: gradient of ${name}: ${JSON.stringify(m)}`);
      }
    }
  }
}

test('GPT.loss equals causalLmLoss(GPT.forward) in value and every gradient (tied wte included)', () => {
  forEachBackend((backend) => {
    manualSeed(4);
    const model = new GPT({ vocabSize: V, blockSize: 16, nLayer: 1, nHead: 2, nEmbd: 8, dropout: 0 });
    assertSamePaths(model, `${backend} GPT`);
    assert.throws(() => model.loss(batch(false).ids, fromArray([1, 2], [2], { dtype: 'int32' })), /GPT\.loss: targets must be int32 \(B, T\) = \[2, 7\]/);
    model.dispose();
  });
});

test('LlamaForCausalLM.loss equals the logits path, with a tied and an untied lm_head', () => {
  forEachBackend((backend) => {
    for (const tieWordEmbeddings of [true, false]) {
      manualSeed(6);
      const config = parseLlamaConfig({
        type: 'llama', vocabSize: V, hiddenSize: 8, intermediateSize: 16, numHiddenLayers: 1, numAttentionHeads: 2, numKeyValueHeads: 1,
        headDim: 4, blockSize: 16, qkvBias: false, outputBias: false, mlpBias: false, tieWordEmbeddings, rmsNormEps: 1e-6, ropeTheta: 10000, initializerRange: 0.2, attentionDropout: 0, ropeScaling: null,
      });
      const model = new LlamaForCausalLM(config);
      assertSamePaths(model, `${backend} Llama tied=${tieWordEmbeddings}`);
      model.dispose();
    }
  });
});

test('the causal-LM objective trains and validates through GPT.loss with the values of the logits path', () => {
  forEachBackend((backend) => {
    manualSeed(9);
    const model = new GPT({ vocabSize: V, blockSize: 8, nLayer: 1, nHead: 2, nEmbd: 8, dropout: 0 });
    const tokens = Int32Array.from({ length: 40 }, (_, i) => (i * i + 3) % V);
    const windows = { ids: tokens.slice(0, 3 * 8), size: 3, length: 8 };
    const fused = causalLanguageModelObjective(model, { blockSize: 8 });
    // The same model seen through forward only: the objective falls back to the logits path.
    const logitsOnly = { forward: (ids: Tensor) => model.forward(ids), eval: () => model.eval() };
    const plain = causalLanguageModelObjective(logitsOnly, { blockSize: 8 });
    const [a, b] = [fused, plain].map((o) => tidy(() => o.batchLoss(windows as never).item()));
    assert.ok(Math.abs(a! - b!) <= 1e-5 * Math.max(1, Math.abs(b!)), `${backend}: batch loss ${a} vs ${b}`);
    const va = fused.validate(tokens).loss;
    const vb = plain.validate(tokens).loss;
    assert.ok(Number.isFinite(vb) && Math.abs(va - vb) <= 1e-5 * Math.max(1, vb), `${backend}: validation ${va} vs ${vb}`);
    assert.equal(languageModelLoss(model, tokens, { blockSize: 8 }).loss, va);
    model.dispose();
  });
});
