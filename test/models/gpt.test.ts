// GPT: shapes, GPT-2 names, tying, init, causality, gradients, and parity with a nanoGPT-style
// PyTorch reference (fixtures from tools/make-gpt-fixtures.py, PyTorch 1.13), on every backend.
// Tolerances as DESIGN.md: |ours − torch| / max(|torch|, 1) ≤ 1e-5 forward, 1e-4 gradients.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { GPT, GPT_DEFAULTS, F, models, manualSeed, randint, fromArray, arange, cat, noGrad, tidy, dispose, memory, type Tensor } from '../../src/index.js';
import { parseGPTConfig, type GPTForwardOptions } from '../../src/models/gpt.js';
import { loadSafetensors } from '../../src/io/tensors.js';
import { copy_ } from '../../src/nn/init.js';
import { forEachBackend } from '../helpers/backends.js';
import { worstMismatch, describeMismatch } from '../helpers/close.js';
import { maxAbsDiff } from '../nn/helpers.js';

const tiny = { vocabSize: 13, blockSize: 8, nLayer: 2, nHead: 2, nEmbd: 8, dropout: 0, bias: true } as const;
const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/models/${name}.safetensors`, import.meta.url));

function assertClose(actual: Tensor, expected: Tensor, tol: number, what: string): void {
  assert.deepEqual([...actual.shape], [...expected.shape], `${what}: shape`);
  const m = worstMismatch(actual.data(), expected.data(), tol);
  if (m) assert.fail(`${what}: ${describeMismatch(m, expected.shape, tol)}`);
}

test('forward gives (B, T, vocab) logits; logitsToKeep keeps the last positions', () => {
  forEachBackend(() => {
    manualSeed(0);
    const model = new GPT(tiny);
    tidy(() => {
      const ids = randint(0, 13, [3, 5]);
      const logits = model.forward(ids);
      assert.deepEqual([...logits.shape], [3, 5, 13]);
      const last = model.forward(ids, { logitsToKeep: 1 });
      assert.deepEqual([...last.shape], [3, 1, 13]);
      assert.ok(maxAbsDiff(last, logits.slice(1, 4)) <= 1e-6, 'last-position logits equal the full forward');
    });
    model.dispose();
  });
});

test('parameter names, shapes and count are nanoGPT / GPT-2 names (transformer. prefix, lm_head tied)', () => {
  for (const name of ['gpt_learned_bias', 'gpt_rotary_nobias']) {
    const { tensors, metadata } = loadSafetensors(fixture(name));
    const config = JSON.parse(metadata.config!);
    const { names, numParams } = JSON.parse(metadata.parameters!) as { names: string[]; numParams: number };
    const model = new GPT(config);
    assert.deepEqual(model.namedParameters().map(([n]) => n), names, `${name}: named parameters in nanoGPT's order`);
    assert.equal(model.numParameters(), numParams, `${name}: parameter count`);
    for (const [n, p] of model.namedParameters()) assert.deepEqual([...p.shape], [...tensors[`state.${n}`]!.shape], `${name}: shape of ${n}`);
    assert.ok(!('lm_head.weight' in model.stateDict()), 'lm_head is stored once, as transformer.wte.weight');
    model.dispose();
    dispose(tensors);
  }
  const model = new GPT(tiny);
  assert.deepEqual(model.namedParameters().map(([n]) => n).slice(0, 14), [
    'transformer.wte.weight', 'transformer.wpe.weight',
    'transformer.h.0.ln_1.weight', 'transformer.h.0.ln_1.bias',
    'transformer.h.0.attn.c_attn.weight', 'transformer.h.0.attn.c_attn.bias',
    'transformer.h.0.attn.c_proj.weight', 'transformer.h.0.attn.c_proj.bias',
    'transformer.h.0.ln_2.weight', 'transformer.h.0.ln_2.bias',
    'transformer.h.0.mlp.c_fc.weight', 'transformer.h.0.mlp.c_fc.bias',
    'transformer.h.0.mlp.c_proj.weight', 'transformer.h.0.mlp.c_proj.bias',
  ]);
  assert.deepEqual([...model.stateDict()['transformer.h.0.attn.c_attn.weight']!.shape], [24, 8], 'nn.Linear layout [out, in]');
  assert.equal(model.numParams(), model.numParameters() - 8 * 8, 'numParams() leaves out wpe, as nanoGPT');
  model.dispose();
});

test('lm_head is the token embedding: writing a wte row changes that token\'s logit', () => {
  forEachBackend(() => {
    manualSeed(1);
    const model = new GPT({ ...tiny, bias: false });
    tidy(() => {
      const ids = randint(0, 12, [2, 4]); // never id 12
      const before = model.forward(ids).data();
      const w = model.transformer.wte.weight.data() as Float32Array;
      w.fill(0, 12 * 8, 13 * 8);
      copy_(model.transformer.wte.weight, w);
      const after = model.forward(ids).data();
      for (let i = 0; i < before.length; i++) {
        if (i % 13 === 12) assert.equal(after[i], 0, 'a zero wte row gives a zero logit (no lm_head bias, no separate weight)');
        else assert.equal(after[i], before[i], 'the other logits do not move');
      }
      assert.ok(before.some((v, i) => i % 13 === 12 && Math.abs(v) > 1e-4), 'the logit was not already 0');
    });
    model.dispose();
  });
});

test('GPT-2 init: N(0, 0.02) weights, c_proj N(0, 0.02/√(2·nLayer)), zero biases, LayerNorm (1, 0)', () => {
  manualSeed(2);
  const model = new GPT({ vocabSize: 300, blockSize: 64, nLayer: 4, nHead: 4, nEmbd: 64 });
  const stats = (t: Tensor) => {
    const v = [...t.data()];
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    return { mean, std: Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length) };
  };
  const proj = 0.02 / Math.sqrt(8);
  for (const [name, p] of model.namedParameters()) {
    const { mean, std } = stats(p);
    if (name.endsWith('c_proj.weight')) {
      assert.ok(Math.abs(std - proj) < 0.1 * proj, `${name}: std ${std}, expected ${proj}`);
      assert.ok(Math.abs(mean) < 0.1 * proj, `${name}: mean ${mean}`);
    } else if (name.endsWith('ln_1.weight') || name.endsWith('ln_2.weight') || name.endsWith('ln_f.weight')) {
      assert.ok(p.data().every((x) => x === 1), `${name}: ones`);
    } else if (name.endsWith('.bias')) {
      assert.ok(p.data().every((x) => x === 0), `${name}: zeros`);
    } else {
      assert.ok(Math.abs(std - 0.02) < 0.002, `${name}: std ${std}, expected 0.02`);
      assert.ok(Math.abs(mean) < 0.002, `${name}: mean ${mean}`);
    }
  }
  model.dispose();
});

test('causal: changing a later token leaves earlier logits unchanged', () => {
  forEachBackend(() => {
    for (const positional of ['learned', 'rotary'] as const) {
      manualSeed(3);
      const model = new GPT({ ...tiny, positional });
      tidy(() => {
        const ids = randint(0, 13, [2, 8]);
        const a = model.forward(ids);
        const changed = ids.data() as Int32Array;
        changed[5] = (changed[5]! + 1) % 13;
        changed[8 + 5] = (changed[8 + 5]! + 3) % 13;
        const b = model.forward(fromArray(changed, [2, 8]));
        assert.ok(maxAbsDiff(a.slice(1, 0, 5), b.slice(1, 0, 5)) <= 1e-6, `${positional}: positions 0…4 unchanged`);
        assert.ok(maxAbsDiff(a.slice(1, 5), b.slice(1, 5)) > 1e-4, `${positional}: position 5 onward changed`);
      });
      model.dispose();
    }
  });
});

test('refuses sequences longer than blockSize and bad ids with clear errors', () => {
  const model = new GPT(tiny);
  tidy(() => {
    assert.throws(() => model.forward(randint(0, 13, [1, 9])), /GPT\.forward: cannot forward a sequence of length 9, block size is only 8/);
    assert.throws(() => model.forward(randint(0, 13, [9])), /ids must be int32 \(B, T\)/);
  });
  model.dispose();
});

test('parseGPTConfig names the field that is wrong', () => {
  const good = { type: 'gpt', vocabSize: 13, blockSize: 8, nLayer: 2, nHead: 2, nEmbd: 8, dropout: 0, bias: true, positional: 'learned' };
  assert.deepEqual(parseGPTConfig(good), good);
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ type: 'transformer' }, /field 'type' must be 'gpt', got "transformer"/],
    [{ vocabSize: 0 }, /field 'vocabSize' must be a positive integer, got 0/],
    [{ blockSize: 2.5 }, /field 'blockSize' must be a positive integer, got 2.5/],
    [{ nLayer: undefined }, /field 'nLayer' must be a positive integer, got nothing/],
    [{ dropout: 1 }, /field 'dropout' must be a number in \[0, 1\), got 1/],
    [{ bias: 'yes' }, /field 'bias' must be true or false, got "yes"/],
    [{ positional: 'sinusoidal' }, /field 'positional' must be one of learned, rotary, got "sinusoidal"/],
    [{ nEmbd: 9 }, /field 'nEmbd' \(9\) must be divisible by 'nHead' \(2\)/],
    [{ nEmbd: 6, positional: 'rotary' }, /rotary positions need an even head size, got nEmbd \/ nHead = 3/],
    [{ nLayers: 3 }, /unknown field\(s\) nLayers/],
  ];
  for (const [patch, message] of bad) assert.throws(() => parseGPTConfig({ ...good, ...patch }, 'x/config.json'), (e: Error) => e.message.startsWith('x/config.json: ') && message.test(e.message), JSON.stringify(patch));
  assert.throws(() => new GPT({ nHead: 5 }), /GPT: field 'nEmbd' \(768\) must be divisible by 'nHead' \(5\)/);
});

for (const name of ['gpt_learned_bias', 'gpt_rotary_nobias']) {
  test(`parity with a nanoGPT-style PyTorch model: ${name} (logits, loss, every parameter's gradient)`, () => {
    forEachBackend((backend) => {
      const { tensors, metadata } = loadSafetensors(fixture(name));
      const model = new GPT(JSON.parse(metadata.config!));
      const state: Record<string, Tensor> = {};
      for (const [k, v] of Object.entries(tensors)) if (k.startsWith('state.')) state[k.slice(6)] = v;
      model.loadStateDict(state);
      tidy(() => {
        const logits = model.forward(tensors['input.ids']!);
        assertClose(logits, tensors['output.logits']!, 1e-5, `${backend} ${name} logits`);
        const [B, T, V] = logits.shape as [number, number, number];
        const loss = F.crossEntropy(logits.reshape([B * T, V]), tensors['input.targets']!.reshape([B * T]));
        assertClose(loss, tensors['output.loss']!, 1e-5, `${backend} ${name} loss`);
        loss.backward();
      });
      for (const [n, p] of model.namedParameters()) assertClose(p.grad!, tensors[`grad.${n}`]!, 1e-4, `${backend} ${name} grad ${n}`);
      model.dispose();
      dispose(tensors);
    });
  });
}

test('gradients reach every parameter (learned and rotary, with dropout)', () => {
  forEachBackend(() => {
    for (const positional of ['learned', 'rotary'] as const) {
      manualSeed(4);
      const model = new GPT({ ...tiny, positional, dropout: 0.1 });
      tidy(() => {
        const ids = randint(0, 13, [2, 8]);
        const logits = model.forward(ids);
        F.crossEntropy(logits.reshape([16, 13]), randint(0, 13, [16])).backward();
      });
      for (const [n, p] of model.namedParameters()) {
        assert.ok(p.grad, `${positional}: ${n} has a gradient`);
        assert.ok(p.grad.data().some((g) => g !== 0), `${positional}: ${n}'s gradient is not all zero`);
      }
      model.dispose();
    }
  });
});

test('a forward pass in tidy leaves no tensor behind', () => {
  const model = new GPT(tiny);
  model.eval();
  const before = memory().numTensors;
  tidy(() => {
    model.forward(randint(0, 13, [2, 8]), { returnAttention: true });
  });
  assert.equal(memory().numTensors, before);
  model.dispose();
});

test('a forward through the KV cache equals the full forward (prefill, then steps of 1 and 2 tokens)', () => {
  forEachBackend((backend) => {
    for (const positional of ['learned', 'rotary'] as const) {
      manualSeed(5);
      const model = new GPT({ ...tiny, positional }).eval();
      const cache = model.createCache(2);
      noGrad(() => tidy(() => {
        const ids = randint(0, 13, [2, 8]);
        const full = model.forward(ids); // (2, 8, 13)
        const parts = [model.forward(ids.slice(1, 0, 5), { cache })];
        assert.equal(cache.length, 5);
        parts.push(model.forward(ids.slice(1, 5, 6), { cache }));
        parts.push(model.forward(ids.slice(1, 6, 8), { cache }));
        assert.equal(cache.length, 8);
        const cached = cat(parts, 1);
        assert.ok(maxAbsDiff(cached, full) <= 1e-5, `${backend} ${positional}: cached logits differ by ${maxAbsDiff(cached, full)}`);
        const { attentions } = model.forward(ids.slice(1, 0, 1), { cache: model.createCache(2), returnAttention: true });
        assert.equal(attentions.length, 2);
        assert.throws(() => model.forward(ids.slice(1, 0, 1), { cache }), /cannot forward a sequence of length 9 \(8 cached \+ 1 new\), block size is only 8/);
      }));
      cache.dispose();
      model.dispose();
    }
  });
});

test('left padding: positions from the attention mask and masked padding keys give the unpadded logits, with and without the cache', () => {
  forEachBackend((backend) => {
    for (const positional of ['learned', 'rotary'] as const) {
      manualSeed(6);
      const model = new GPT({ ...tiny, positional }).eval();
      noGrad(() => tidy(() => {
        const row = [3, 1, 4, 1, 5, 9];
        const alone = model.forward(fromArray(Int32Array.from(row), [1, 6])); // (1, 6, 13)
        const padded = fromArray(Int32Array.from([0, 0, ...row, 2, 7, 1, 8, 2, 8, 1, 8]), [2, 8]);
        const mask = fromArray(Int32Array.from([0, 0, 1, 1, 1, 1, 1, 1, ...new Array(8).fill(1)]), [2, 8]);
        const full = model.forward(padded, { attentionMask: mask });
        assert.ok(maxAbsDiff(full.slice(0, 0, 1).slice(1, 2), alone) <= 1e-5, `${backend} ${positional}: padded row equals the row alone`);
        const cache = model.createCache(2);
        const a = model.forward(padded.slice(1, 0, 6), { cache, attentionMask: mask.slice(1, 0, 6) });
        const b = model.forward(padded.slice(1, 6, 8), { cache, attentionMask: mask });
        assert.ok(maxAbsDiff(cat([a, b], 1).slice(1, 2), full.slice(1, 2)) <= 1e-5, `${backend} ${positional}: cached padded forward equals the full one`);
        if (positional === 'learned') {
          const positions = fromArray(Int32Array.from([1, 1, 0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5, 6, 7]), [2, 8]); // HF: padding at 1
          const explicit = model.forward(padded, { attentionMask: mask, positionIds: positions });
          assert.equal(maxAbsDiff(explicit, full), 0, 'explicit positionIds equal the ones derived from the mask');
          const shifted = model.forward(padded, { attentionMask: mask, positionIds: arange(0, 8) });
          assert.ok(maxAbsDiff(shifted.slice(0, 0, 1), full.slice(0, 0, 1)) > 1e-4, 'positions counted over the padding change the padded row');
        }
        const { attentions } = model.forward(padded, { attentionMask: mask, returnAttention: true });
        const w = attentions[0]!; // (2, 2, 8, 8)
        assert.deepEqual([...w.shape], [2, 2, 8, 8]);
        const wd = w.data();
        for (let h = 0; h < 2; h++) for (let i = 2; i < 8; i++) for (const j of [0, 1]) assert.equal(wd[(h * 8 + i) * 8 + j], 0, 'no query attends to padding');
        cache.dispose();
      }));
      model.dispose();
    }
  });
});

test('the registry knows type gpt: a language model, built from its config', () => {
  const entry = models.modelEntry('gpt');
  assert.equal(entry.task, 'language-model');
  const config = entry.parseConfig({ ...GPT_DEFAULTS, vocabSize: 13, blockSize: 8, nLayer: 1, nHead: 2, nEmbd: 8 }, 'x/config.json');
  const model = models.createModel(config);
  assert.ok(model instanceof GPT);
  model.dispose();
  assert.throws(() => entry.parseConfig({ ...GPT_DEFAULTS, bias: 1 }, 'x/config.json'), (e: unknown) => e instanceof models.ModelConfigError && e.field === 'bias' && e.source === 'x/config.json');
});

test('the packed attention path (no mask, cache or weights asked) gives the bits of the general path, forward and gradients, with dropout', () => {
  forEachBackend((backend) => {
    // An all-ones attentionMask (additive 0 on every score) or returnAttention sends the block
    // through split → heads → scaledDotProductAttention; without them it runs packedQkvAttention.
    // Both must give the same logits and the same gradient of every parameter, bit for bit.
    manualSeed(4);
    const model = new GPT({ vocabSize: 29, blockSize: 40, nLayer: 2, nHead: 2, nEmbd: 64, dropout: 0.1, bias: true });
    model.train();
    const ids = randint(0, 29, [3, 37]);
    const ones = fromArray(new Int32Array(3 * 37).fill(1), [3, 37], { dtype: 'int32' });
    const run = (options: GPTForwardOptions & { returnAttention?: false }): Float32Array[] => tidy(() => {
      manualSeed(9); // the same dropout masks in both runs
      const logits = model.forward(ids, options);
      logits.square().mean().backward();
      const out = [logits.data() as Float32Array, ...model.parameters().map((p) => p.grad!.data() as Float32Array)];
      model.zeroGrad();
      return out;
    });
    // Positions given explicitly: from a mask they would be a (B, T) table, whose wpe gradient sums in another order.
    const positionIds = arange(0, 37).cast('int32');
    const packed = run({ positionIds });
    const general = run({ positionIds, attentionMask: ones });
    packed.forEach((a, i) => {
      const b = general[i]!;
      const same = a.length === b.length && new Uint32Array(a.buffer, a.byteOffset, a.length).every((u, j) => u === new Uint32Array(b.buffer, b.byteOffset, b.length)[j]);
      assert.ok(same, `${backend}: ${i === 0 ? 'logits' : `grad of parameter ${i - 1}`} differ between the packed and the general attention path`);
    });
    model.eval();
    tidy(() => {
      const plain = model.forward(ids) as Tensor;
      const { logits } = model.forward(ids, { returnAttention: true });
      assert.deepEqual([...(logits.data() as Float32Array)], [...(plain.data() as Float32Array)], `${backend}: eval logits with returnAttention`);
    });
    dispose([ids, ones, positionIds]);
    model.dispose();
  });
});
