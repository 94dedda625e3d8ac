// PyTorch parity of modules and optimizers: fixtures written by tools/make-module-fixtures.py
// (PyTorch 1.13). Each module case loads PyTorch's state_dict through loadSafetensors +
// loadStateDict, runs the same forward, backpropagates loss = Σ (output · R), and compares outputs
// and the gradients of every input and parameter, on every backend.
//
// Error measure: |ours − torch| / max(|torch|, 1), i.e. relative for values of magnitude ≥ 1 and
// absolute below (an absolute floor of 1, so tiny values near 0 are not held to a relative bound).
// Tolerances: 1e-5 forward, 1e-4 gradients (DESIGN.md). The table printed at the end gives the
// plain max abs errors.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { getBackend, listBackends, setBackend, tidy, keep, memory } from '../../src/index.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import * as nn from '../../src/nn/index.js';
import * as optim from '../../src/optim/index.js';
import { loadSafetensors } from '../../src/io/tensors.js';

const FWD_TOL = 1e-5;
const BWD_TOL = 1e-4;

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/modules/${name}.safetensors`, import.meta.url));

function pick(tensors: Record<string, Tensor>, prefix: string): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(tensors)) if (k.startsWith(prefix)) out[k.slice(prefix.length)] = v;
  return out;
}

/** [max abs error, max scaled error |a−b|/max(|b|, 1)]. */
function compare(ours: Tensor, theirs: Tensor, what: string): [number, number] {
  assert.deepEqual([...ours.shape], [...theirs.shape], `${what}: shape`);
  const a = ours.data();
  const b = theirs.data();
  let abs = 0;
  let scaled = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (Number.isNaN(d)) return [NaN, NaN];
    abs = Math.max(abs, d);
    scaled = Math.max(scaled, d / Math.max(Math.abs(b[i]!), 1));
  }
  return [abs, scaled];
}

interface Row { name: string; backend: string; fwdAbs: number; bwdAbs: number }
const rows: Row[] = [];
after(() => {
  const lines = ['', 'PyTorch parity (max abs error; tolerance on |a−b|/max(|b|,1): fwd 1e-5, bwd 1e-4)', `${'case'.padEnd(34)}${'backend'.padEnd(9)}${'forward'.padStart(12)}${'backward'.padStart(12)}`];
  for (const r of rows) lines.push(`${r.name.padEnd(34)}${r.backend.padEnd(9)}${r.fwdAbs.toExponential(2).padStart(12)}${(Number.isNaN(r.bwdAbs) ? '-' : r.bwdAbs.toExponential(2)).padStart(12)}`);
  console.log(lines.join('\n'));
});

type Inputs = Record<string, Tensor>;
interface ModuleCase {
  name: string;
  fixture?: string;
  build: () => nn.Module;
  /** Inputs stored as ints that are bool masks. */
  masks?: string[];
  run: (m: nn.Module, i: Inputs) => Record<string, Tensor>;
}

const E = 8;
const enc = (o: nn.TransformerLayerOptions) => new nn.TransformerEncoderLayer(E, 2, { dimFeedforward: 16, dropout: 0, batchFirst: true, ...o });
const dec = (o: nn.TransformerLayerOptions) => new nn.TransformerDecoderLayer(E, 2, { dimFeedforward: 16, dropout: 0, batchFirst: true, ...o });
const mhaOut = ([out, weights]: [Tensor, Tensor | null]) => ({ out, weights: weights! });

const CASES: ModuleCase[] = [
  {
    name: 'mha_padding', masks: ['key_padding_mask'],
    build: () => new nn.MultiheadAttention(E, 2, { batchFirst: true }),
    run: (m, i) => mhaOut((m as nn.MultiheadAttention).forward(i.query!, i.key!, i.value!, { keyPaddingMask: i.key_padding_mask })),
  },
  {
    name: 'mha_causal', masks: ['attn_mask'],
    build: () => new nn.MultiheadAttention(E, 2, { batchFirst: true }),
    run: (m, i) => mhaOut((m as nn.MultiheadAttention).forward(i.x!, i.x!, i.x!, { attnMask: i.attn_mask, averageAttnWeights: false })),
  },
  {
    name: 'mha_causal (isCausal)', fixture: 'mha_causal', masks: ['attn_mask'],
    build: () => new nn.MultiheadAttention(E, 2, { batchFirst: true }),
    run: (m, i) => mhaOut((m as nn.MultiheadAttention).forward(i.x!, i.x!, i.x!, { isCausal: true, averageAttnWeights: false })),
  },
  {
    name: 'mha_kdim (seq first, float mask)', fixture: 'mha_kdim', masks: ['key_padding_mask'],
    build: () => new nn.MultiheadAttention(E, 2, { kdim: 6, vdim: 5 }),
    run: (m, i) => mhaOut((m as nn.MultiheadAttention).forward(i.query!, i.key!, i.value!, { attnMask: i.attn_mask, keyPaddingMask: i.key_padding_mask })),
  },
  {
    name: 'encoder_post_relu', masks: ['src_key_padding_mask'],
    build: () => enc({}),
    run: (m, i) => ({ out: (m as nn.TransformerEncoderLayer).forward(i.src!, { srcKeyPaddingMask: i.src_key_padding_mask }) }),
  },
  {
    name: 'encoder_pre_gelu', masks: ['src_mask'],
    build: () => enc({ activation: 'gelu', normFirst: true }),
    run: (m, i) => ({ out: (m as nn.TransformerEncoderLayer).forward(i.src!, { srcMask: i.src_mask }) }),
  },
  {
    name: 'encoder_pre_gelu (isCausal)', fixture: 'encoder_pre_gelu', masks: ['src_mask'],
    build: () => enc({ activation: 'gelu', normFirst: true }),
    run: (m, i) => ({ out: (m as nn.TransformerEncoderLayer).forward(i.src!, { isCausal: true }) }),
  },
  {
    name: 'encoder_stack', masks: ['src_key_padding_mask'],
    build: () => new nn.TransformerEncoder(() => enc({ normFirst: true }), 2, { norm: new nn.LayerNorm(E) }),
    run: (m, i) => ({ out: (m as nn.TransformerEncoder).forward(i.src!, { srcKeyPaddingMask: i.src_key_padding_mask }) }),
  },
  {
    name: 'decoder_post_relu', masks: ['tgt_mask', 'memory_key_padding_mask'],
    build: () => dec({}),
    run: (m, i) => ({ out: (m as nn.TransformerDecoderLayer).forward(i.tgt!, i.memory!, { tgtMask: i.tgt_mask, memoryKeyPaddingMask: i.memory_key_padding_mask }) }),
  },
  {
    name: 'decoder_post_relu (tgtIsCausal)', fixture: 'decoder_post_relu', masks: ['tgt_mask', 'memory_key_padding_mask'],
    build: () => dec({}),
    run: (m, i) => ({ out: (m as nn.TransformerDecoderLayer).forward(i.tgt!, i.memory!, { tgtIsCausal: true, memoryKeyPaddingMask: i.memory_key_padding_mask }) }),
  },
  {
    name: 'decoder_pre_gelu', masks: ['tgt_key_padding_mask', 'memory_key_padding_mask'],
    build: () => dec({ activation: 'gelu', normFirst: true }),
    run: (m, i) => ({ out: (m as nn.TransformerDecoderLayer).forward(i.tgt!, i.memory!, { tgtKeyPaddingMask: i.tgt_key_padding_mask, memoryKeyPaddingMask: i.memory_key_padding_mask }) }),
  },
  {
    name: 'lstm_bidir_lengths',
    build: () => new nn.LSTM(3, 4, { numLayers: 2, bidirectional: true, batchFirst: true }),
    run: (m, i) => {
      const [out, [h, c]] = (m as nn.LSTM).forward(i.x!, { lengths: i.lengths });
      return { out, h, c };
    },
  },
  {
    name: 'lstm_hx',
    build: () => new nn.LSTM(3, 4),
    run: (m, i) => {
      const [out, [h, c]] = (m as nn.LSTM).forward(i.x!, { hx: [i.h0!, i.c0!] });
      return { out, h, c };
    },
  },
  {
    name: 'embedding_padding',
    build: () => new nn.Embedding(10, 4, { paddingIdx: 0 }),
    run: (m, i) => ({ out: (m as nn.Embedding).forward(i.ids!) }),
  },
];

function runModuleCase(c: ModuleCase, backend: string): void {
  tidy(() => {
    const { tensors } = loadSafetensors(fixture(c.fixture ?? c.name));
    const module = c.build();
    module.loadStateDict(pick(tensors, 'state.'));
    const inputs = pick(tensors, 'input.');
    for (const [k, v] of Object.entries(inputs)) {
      if (c.masks?.includes(k)) inputs[k] = v.cast('bool');
      else if (v.dtype === 'float32') v.requiresGrad_(true);
    }
    const outputs = c.run(module, inputs);
    const expected = pick(tensors, 'output.');
    const R = pick(tensors, 'R.');
    assert.deepEqual(Object.keys(outputs).sort(), Object.keys(expected).sort(), `${c.name}: outputs`);
    let fwdAbs = 0;
    let bwdAbs = 0;
    const check = (ours: Tensor | null, theirs: Tensor, what: string, tol: number): number => {
      assert.ok(ours, `${c.name}: ${what} is missing`);
      const [abs, scaled] = compare(ours, theirs, `${c.name}: ${what}`);
      assert.ok(scaled <= tol, `${c.name} [${backend}]: ${what} differs from PyTorch by ${scaled} (> ${tol}; max abs ${abs})`);
      return abs;
    };
    for (const [k, out] of Object.entries(outputs)) fwdAbs = Math.max(fwdAbs, check(out, expected[k]!, `output ${k}`, FWD_TOL));
    let loss: Tensor | null = null;
    for (const [k, out] of Object.entries(outputs)) {
      if (!out.requiresGrad) continue; // attention weights carry no gradient
      const term = out.mul(R[k]!).sum();
      loss = loss ? loss.add(term) : term;
    }
    loss!.backward();
    const gradIn = pick(tensors, 'grad.input.');
    for (const [k, g] of Object.entries(gradIn)) bwdAbs = Math.max(bwdAbs, check(inputs[k]!.grad, g, `grad of input ${k}`, BWD_TOL));
    const gradParam = pick(tensors, 'grad.state.');
    const params = new Map(module.namedParameters());
    assert.deepEqual([...params.keys()].sort(), Object.keys(gradParam).sort(), `${c.name}: parameter names`);
    for (const [k, g] of Object.entries(gradParam)) bwdAbs = Math.max(bwdAbs, check(params.get(k)!.grad, g, `grad of ${k}`, BWD_TOL));
    rows.push({ name: c.name, backend, fwdAbs, bwdAbs });
    for (const v of Object.values(inputs)) v.zeroGrad();
    module.dispose();
  });
}

interface OptimCase {
  name: string;
  make: (params: Tensor[]) => { opt: optim.Optimizer<{ lr: number }, never>; sched?: optim.LrScheduler };
}

const OPTIM_CASES: OptimCase[] = [
  {
    name: 'optim_adamw_warmup',
    make: (ps) => {
      const opt = new optim.AdamW(ps, { lr: 0.05, betas: [0.9, 0.99], eps: 1e-8, weightDecay: 0.1 });
      return { opt: opt as never, sched: optim.warmupLinearDecay(opt, { warmupSteps: 5, totalSteps: 20 }) };
    },
  },
  { name: 'optim_adam_l2', make: (ps) => ({ opt: new optim.Adam(ps, { lr: 0.02, weightDecay: 0.05 }) as never }) },
  { name: 'optim_sgd_momentum', make: (ps) => ({ opt: new optim.SGD(ps, { lr: 0.05, momentum: 0.9, dampening: 0.1 }) as never }) },
  { name: 'optim_sgd_nesterov', make: (ps) => ({ opt: new optim.SGD(ps, { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 0.01 }) as never }) },
];

function runOptimCase(c: OptimCase, backend: string): void {
  tidy(() => {
    const { tensors } = loadSafetensors(fixture(c.name));
    const params = [0, 1].map((i) => keep(tensors[`init.${i}`]!.clone()).requiresGrad_(true));
    const { opt, sched } = c.make(params);
    const steps = tensors['params.0']!.shape[0]!;
    const lrs = tensors.lr!.data();
    let abs = 0;
    for (let t = 0; t < steps; t++) {
      tidy(() => {
        params.forEach((p, i) => {
          p.zeroGrad();
          p.grad = keep(tensors[`grads.${i}`]!.slice(0, t, t + 1).squeeze(0));
        });
        opt.step();
        sched?.step();
        // The fixture stores lr as float32.
        if (sched) assert.ok(Math.abs(sched.getLastLr()[0]! - lrs[t]!) <= 1e-7 * Math.abs(lrs[t]!), `${c.name}: lr at step ${t}: ${sched.getLastLr()[0]} vs ${lrs[t]}`);
        params.forEach((p, i) => {
          const [a, scaled] = compare(p, tensors[`params.${i}`]!.slice(0, t, t + 1).squeeze(0), `${c.name} step ${t}`);
          assert.ok(scaled <= FWD_TOL, `${c.name} [${backend}]: param ${i} after step ${t + 1} differs by ${scaled} (max abs ${a})`);
          abs = Math.max(abs, a);
        });
      });
    }
    rows.push({ name: `${c.name} (20 steps)`, backend, fwdAbs: abs, bwdAbs: NaN });
    opt.dispose();
    for (const p of params) {
      p.zeroGrad();
      p.dispose();
    }
  });
}

for (const backend of listBackends()) {
  test(`modules match PyTorch [${backend}]`, () => {
    const previous = getBackend();
    setBackend(backend);
    try {
      const before = memory().numTensors;
      for (const c of CASES) runModuleCase(c, backend);
      assert.equal(memory().numTensors, before, 'parity cases leaked tensors');
    } finally {
      setBackend(previous);
    }
  });

  test(`optimizers match PyTorch over 20 steps [${backend}]`, () => {
    const previous = getBackend();
    setBackend(backend);
    try {
      for (const c of OPTIM_CASES) runOptimCase(c, backend);
      tidy(() => {
        const { tensors } = loadSafetensors(fixture('clip_grad_norm'));
        const params = [0, 1].map((i) => keep(tensors[`grads.${i}`]!.mul(0)).requiresGrad_(true));
        params.forEach((p, i) => (p.grad = keep(tensors[`grads.${i}`]!.clone())));
        const total = optim.clipGradNorm(params, 1.5);
        const want = tensors.total!.item();
        assert.ok(Math.abs(total - want) <= FWD_TOL * Math.max(1, want), `clipGradNorm total ${total} vs ${want}`);
        let abs = Math.abs(total - want);
        params.forEach((p, i) => {
          const [a, scaled] = compare(p.grad!, tensors[`clipped.${i}`]!, 'clipGradNorm');
          assert.ok(scaled <= FWD_TOL, `clipGradNorm: clipped grad ${i} differs by ${scaled}`);
          abs = Math.max(abs, a);
          p.zeroGrad();
          p.dispose();
        });
        rows.push({ name: 'clipGradNorm', backend, fwdAbs: abs, bwdAbs: NaN });
      });
    } finally {
      setBackend(previous);
    }
  });
}
