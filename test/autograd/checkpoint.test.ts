// Activation checkpointing: gradients bitwise equal to the plain graph (GPT and Llama with dropout,
// on every backend), finite differences through a checkpointed function (its arguments and the
// parameters it captures), lower peak memory, no leaks, nesting, noGrad, and the errors.
// Also: backward frees intermediate gradients as it goes (the peak of a long chain).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkpoint, GPT, LlamaForCausalLM, manualSeed, globalGenerator, randn, randint, tidy, noGrad, memory, resetPeakMemory, dispose,
  type Tensor,
} from '../../src/index.js';
import { parseLlamaConfig } from '../../src/models/hf/llama.js';
import { forEachBackend } from '../helpers/backends.js';
import { gradcheck } from '../helpers/gradcheck.js';

const MiB = 2 ** 20;

type LM = { loss(ids: Tensor, targets: Tensor): Tensor; parameters(): Tensor[]; namedParameters(): [string, Tensor][]; train(): unknown; dispose(): void };

/** One training backward: the loss, every parameter's gradient, the generator state after, the peak above the start. */
function step(make: () => LM, B: number, T: number, vocab: number): { loss: number; grads: Map<string, Float32Array>; rng: number[]; peak: number } {
  manualSeed(11);
  const model = make();
  model.train();
  const ids = randint(0, vocab, [B, T]);
  const targets = randint(0, vocab, [B, T]);
  const tensorsBefore = memory().numTensors;
  const base = memory().numBytes;
  resetPeakMemory();
  const loss = tidy(() => {
    const l = model.loss(ids, targets); // ()
    l.backward();
    return l.item();
  });
  const peak = memory().peakBytes - base;
  const params = model.namedParameters();
  // Nothing but the gradients is left over (the recomputed graphs are gone).
  assert.equal(memory().numTensors - tensorsBefore, params.filter(([, p]) => p.grad).length, 'live tensors after backward: only the gradients');
  const grads = new Map(params.map(([name, p]) => [name, p.grad!.data() as Float32Array]));
  const rng = globalGenerator.getState();
  dispose([ids, targets]);
  model.dispose();
  return { loss, grads, rng, peak };
}

function assertBitwise(a: ReturnType<typeof step>, b: ReturnType<typeof step>, what: string): void {
  assert.ok(Object.is(a.loss, b.loss), `${what}: loss ${a.loss} vs ${b.loss}`);
  assert.deepEqual(b.rng, a.rng, `${what}: the generator ends at the same point (the rest of training is unchanged)`);
  assert.equal(b.grads.size, a.grads.size);
  for (const [name, g] of a.grads) {
    const h = b.grads.get(name)!;
    const j = g.findIndex((v, i) => !Object.is(v, h[i]));
    assert.equal(j, -1, `${what}: ${name}[${j}] ${g[j]} without checkpointing, ${h[j]} with`);
  }
}

const gptConfig = { vocabSize: 61, blockSize: 64, nLayer: 6, nHead: 4, nEmbd: 32, dropout: 0.2, bias: true } as const;

test('GPT with dropout: checkpointed gradients are bitwise the plain ones, and the peak is lower', () => {
  forEachBackend((backend) => {
    const plain = step(() => new GPT(gptConfig), 4, 64, 61);
    const ck = step(() => new GPT(gptConfig, { gradientCheckpointing: true }), 4, 64, 61);
    assertBitwise(plain, ck, `GPT on ${backend}`);
    // The plain graph keeps ~20 (B, T, C)-sized tensors per block; checkpointing keeps one per block
    // plus one block's graph during backward. Measured ≈ 0.55× here (6 blocks; with 4, packed
    // attention's leaner plain graph left ≈ 0.7×, too few blocks to show the saving); asked: under 0.7×.
    assert.ok(ck.peak < 0.7 * plain.peak, `${backend}: peak ${(ck.peak / MiB).toFixed(2)} MiB with checkpointing, ${(plain.peak / MiB).toFixed(2)} MiB without`);
    // Dropout did act: the same model without dropout gives another loss.
    const noDrop = step(() => new GPT({ ...gptConfig, dropout: 0 }, { gradientCheckpointing: true }), 4, 64, 61);
    assert.notEqual(noDrop.loss, ck.loss);
  });
});

test('Llama (GQA, rotary, attention dropout): checkpointed gradients are bitwise the plain ones', () => {
  const config = parseLlamaConfig({
    type: 'llama', vocabSize: 50, hiddenSize: 32, intermediateSize: 40, numHiddenLayers: 3, numAttentionHeads: 4, numKeyValueHeads: 2,
    headDim: 8, blockSize: 32, rmsNormEps: 1e-5, ropeTheta: 10000, ropeScaling: null, qkvBias: false, outputBias: false, mlpBias: false,
    tieWordEmbeddings: true, attentionDropout: 0.1, initializerRange: 0.1,
  });
  forEachBackend((backend) => {
    const plain = step(() => new LlamaForCausalLM(config), 2, 32, 50);
    const ck = step(() => new LlamaForCausalLM(config, { gradientCheckpointing: true }), 2, 32, 50);
    assertBitwise(plain, ck, `Llama on ${backend}`);
    assert.ok(ck.peak < plain.peak, `${backend}: peak ${ck.peak} with checkpointing, ${plain.peak} without`);
  });
});

test('finite differences through a checkpointed function: its arguments and a parameter it captures', () => {
  forEachBackend(() => {
    manualSeed(5);
    const x = randn([3, 4]).requiresGrad_();
    const w = randn([4, 5]).requiresGrad_();
    const b = randn([5]).requiresGrad_();
    // w is an argument of gradcheck's fn but captured (not passed) by the checkpointed closure.
    gradcheck('checkpoint', (xi, wi, bi) => checkpoint((h, c) => h.matmul(wi).add(c).tanh().mul(h.sum(-1, true)), xi, bi), [x, w, b], { eps: 1e-2 });
    // Two outputs, one of them returned unchanged.
    gradcheck('checkpoint, two outputs', (xi, wi) => checkpoint((h) => [h.matmul(wi).sigmoid(), h], xi), [x, w], { eps: 1e-2 });
    dispose([x, w, b]);
  });
});

test('nested checkpoints, tidy around the forward, backward outside it: same gradients, nothing left over', () => {
  forEachBackend(() => {
    manualSeed(2);
    const w1 = randn([6, 6]).mul(0.5).requiresGrad_();
    const w2 = randn([6, 6]).mul(0.5).requiresGrad_();
    const x = randn([5, 6]).requiresGrad_();
    const f = (h: Tensor): Tensor => h.matmul(w1).gelu().matmul(w2).tanh(); // (5, 6)
    const grads = (useCheckpoint: boolean): Float32Array[] => {
      const before = memory().numTensors;
      // The loss is made inside tidy and backpropagated after tidy freed every intermediate.
      const loss = tidy(() =>
        useCheckpoint ? checkpoint((h) => checkpoint(f, f(h)).add(h), x).square().sum() : f(f(x)).add(x).square().sum(),
      );
      loss.backward();
      loss.dispose();
      assert.equal(memory().numTensors - before, 3, 'only the three gradients remain');
      const out = [x, w1, w2].map((t) => t.grad!.data() as Float32Array);
      for (const t of [x, w1, w2]) t.zeroGrad();
      return out;
    };
    const plain = grads(false);
    const ck = grads(true);
    plain.forEach((g, i) => assert.deepEqual([...ck[i]!], [...g], `input ${i}`));
    dispose([w1, w2, x]);
  });
});

test('under noGrad a checkpoint is just the call; outputs of inputs that need no grad need none', () => {
  const w = randn([3, 3]);
  const x = randn([2, 3]);
  const y = noGrad(() => checkpoint((h) => h.matmul(w), x));
  assert.equal(y.requiresGrad, false);
  const z = checkpoint((h) => h.matmul(w), x);
  assert.equal(z.requiresGrad, false);
  assert.equal(z.gradFn, null);
  dispose([w, x, y, z]);
});

test('a parameter changed in place between forward and backward is refused by name', () => {
  const w = randn([3, 3]).requiresGrad_();
  const x = randn([2, 3]);
  const y = checkpoint((h) => h.matmul(w).tanh(), x).sum();
  w.handle.storage.version++; // what an optimizer step does to a parameter
  assert.throws(() => y.backward(), /checkpoint: a tensor \[3, 3\] read by the checkpointed function was modified in place/);
  dispose([w, x, y]);
});

test('backward frees intermediate gradients as it goes: a 40-op chain peaks near its forward', () => {
  forEachBackend(() => {
    const x = randn([256, 256]).requiresGrad_(); // 256 KiB
    const base = memory().numBytes;
    resetPeakMemory();
    tidy(() => {
      let h = x;
      for (let i = 0; i < 20; i++) h = h.mul(1.01).tanh(); // 40 saved or intermediate tensors
      const forward = memory().numBytes - base;
      h.sum().backward();
      const peak = memory().peakBytes - base;
      // Holding every intermediate gradient would add the forward's bytes again (measured 3.5× before).
      assert.ok(peak < 1.3 * forward, `peak ${(peak / MiB).toFixed(2)} MiB for a forward of ${(forward / MiB).toFixed(2)} MiB`);
    });
    x.zeroGrad();
    x.dispose();
  });
});
