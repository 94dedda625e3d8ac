import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { manualSeed, memory, randn, tidy, keep, zeros, tensor, full } from '../../src/index.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import * as nn from '../../src/nn/index.js';
import * as optim from '../../src/optim/index.js';
import { loadSafetensors, saveSafetensors } from '../../src/io/tensors.js';
import { assertSameBits, tempDir } from '../nn/helpers.js';

function smallModel(): nn.Module {
  return new nn.Sequential(new nn.Linear(4, 8), new nn.GELU(), new nn.LayerNorm(8), new nn.Linear(8, 3));
}

/** One training step on fixed data; returns the loss. */
function trainStep(model: nn.Module, opt: { step(): void; zeroGrad(): void }, seed: number): number {
  const loss = tidy(() => {
    manualSeed(seed);
    const x = randn([5, 4]);
    const y = randn([5, 3]);
    const l = (model.forward(x) as Tensor).sub(y).square().mean();
    l.backward();
    return l.item();
  });
  opt.step();
  opt.zeroGrad();
  return loss;
}

const makers: Record<string, (ps: Tensor[]) => optim.Optimizer<{ lr: number }, never>> = {
  AdamW: (ps) => new optim.AdamW(ps, { lr: 1e-2 }) as never,
  Adam: (ps) => new optim.Adam(ps, { lr: 1e-2, weightDecay: 1e-3 }) as never,
  SGD: (ps) => new optim.SGD(ps, { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 1e-3 }) as never,
};

test('200 optimizer steps leak nothing: live tensors and bytes stay flat', () => {
  for (const [name, make] of Object.entries(makers)) {
    manualSeed(1);
    const model = smallModel();
    const opt = make(model.parameters());
    const sched = optim.warmupCosineDecay(opt, { warmupSteps: 10, totalSteps: 200 });
    trainStep(model, opt, 0); // creates the optimizer state
    sched.step();
    optim.clipGradNorm(model.parameters(), 1);
    const before = memory();
    let first = 0;
    let last = 0;
    for (let i = 0; i < 200; i++) {
      tidy(() => {
        manualSeed(i);
        (model.forward(randn([5, 4])) as Tensor).sum().backward();
      });
      optim.clipGradNorm(model.parameters(), 1);
      opt.step();
      opt.zeroGrad();
      sched.step();
      if (i === 0) first = memory().numBytes;
      last = memory().numBytes;
    }
    const after = memory();
    assert.equal(after.numTensors, before.numTensors, `${name}: live tensors`);
    assert.equal(after.numBytes, before.numBytes, `${name}: bytes`);
    assert.equal(last, first, `${name}: bytes after each step`);
    opt.dispose();
    model.dispose();
  }
});

test('the loss goes down', () => {
  for (const [name, make] of Object.entries(makers)) {
    manualSeed(2);
    const model = smallModel();
    const opt = make(model.parameters());
    const l0 = trainStep(model, opt, 42);
    let l = l0;
    for (let i = 0; i < 30; i++) l = trainStep(model, opt, 42);
    assert.ok(l < 0.5 * l0, `${name}: ${l0} → ${l}`);
    opt.dispose();
    model.dispose();
  }
});

test('save → load of model, optimizer and schedule resumes exactly (bit for bit)', () => {
  const { dir, cleanup } = tempDir();
  try {
    for (const [name, make] of Object.entries(makers)) {
      manualSeed(3);
      const a = smallModel();
      const optA = make(a.parameters());
      const schedA = optim.warmupLinearDecay(optA, { warmupSteps: 3, totalSteps: 12 });
      for (let i = 0; i < 5; i++) {
        trainStep(a, optA, i);
        schedA.step();
      }
      // Save: model and optimizer tensors to safetensors, the rest to JSON.
      const sd = optA.stateDict();
      const tensors: Record<string, Tensor> = {};
      const plain = sd.state.map((s, i) => {
        if (!s) return null;
        const numbers: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(s as Record<string, unknown>)) {
          if (v && typeof v === 'object') tensors[`${i}.${k}`] = v as Tensor;
          else numbers[k] = v;
        }
        return numbers;
      });
      saveSafetensors(join(dir, 'model.safetensors'), a.stateDict());
      saveSafetensors(join(dir, 'optim.safetensors'), tensors);
      const json = JSON.stringify({ plain, paramGroups: sd.paramGroups, sched: schedA.stateDict() });

      manualSeed(99);
      const b = smallModel();
      const optB = make(b.parameters());
      const schedB = optim.warmupLinearDecay(optB, { warmupSteps: 3, totalSteps: 12 });
      tidy(() => {
        b.loadStateDict(loadSafetensors(join(dir, 'model.safetensors')).tensors);
        const loaded = loadSafetensors(join(dir, 'optim.safetensors')).tensors;
        const meta = JSON.parse(json);
        const state = (meta.plain as (Record<string, unknown> | null)[]).map((numbers, i) => {
          if (!numbers) return null;
          const entry: Record<string, unknown> = { ...numbers };
          for (const [k, t] of Object.entries(loaded)) if (k.startsWith(`${i}.`)) entry[k.slice(String(i).length + 1)] = t;
          return entry;
        });
        optB.loadStateDict({ state, paramGroups: meta.paramGroups } as never);
        schedB.loadStateDict(meta.sched);
      });
      assert.deepEqual(schedB.getLastLr(), schedA.getLastLr());
      for (let i = 5; i < 9; i++) {
        trainStep(a, optA, i);
        schedA.step();
        trainStep(b, optB, i);
        schedB.step();
      }
      a.parameters().forEach((p, i) => assertSameBits(b.parameters()[i]!, p, `${name} param ${i}`));
      for (const x of [optA, optB, a, b]) x.dispose();
    }
  } finally {
    cleanup();
  }
});

test('optimizer state dicts: shapes and contents; mismatches throw one error', () => {
  manualSeed(4);
  const model = smallModel();
  const opt = new optim.AdamW(model.parameters(), { lr: 1e-3, weightDecay: 0.1 });
  const sd0 = opt.stateDict();
  assert.equal(sd0.state.length, model.parameters().length);
  assert.ok(sd0.state.every((s) => s === null), 'no state before the first step');
  assert.deepEqual(sd0.paramGroups, [{ lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.1, params: [0, 1, 2, 3, 4, 5] }]);
  trainStep(model, opt, 0);
  const sd = opt.stateDict();
  assert.equal(sd.state[0]!.step, 1);
  assert.deepEqual(sd.state[0]!.expAvg.shape, [8, 4]);
  const other = new optim.AdamW([zeros([8, 4], { requiresGrad: true })]);
  assert.throws(() => other.loadStateDict(sd), /AdamW\.loadStateDict: the state dict does not match this optimizer:\n\tgroup 0 has 6 params in the state dict, 1 in the optimizer/);
  const wrong = new optim.AdamW([zeros([3], { requiresGrad: true })]);
  assert.throws(() => wrong.loadStateDict({ state: [sd.state[0]!], paramGroups: [{ ...sd.paramGroups[0]!, params: [0] }] }), /state 0\.expAvg has shape \[8, 4\], the parameter \[3\]/);
  // Loaded state is a copy: disposing the source does not affect the optimizer.
  const copy = new optim.AdamW(model.parameters());
  copy.loadStateDict(sd);
  assert.equal(copy.paramGroups[0]!.weightDecay, 0.1, 'hyperparameters come from the state dict');
  const saved = copy.stateDict().state[0]!.expAvg;
  assert.notEqual(saved, sd.state[0]!.expAvg);
  assertSameBits(saved, sd.state[0]!.expAvg, 'moments');
  for (const x of [opt, other, wrong, copy, model]) x.dispose();
});

test('param groups with their own hyperparameters; validation errors', () => {
  tidy(() => {
    const a = keep(full([2], 1)).requiresGrad_(true);
    const b = keep(full([2], 1)).requiresGrad_(true);
    const opt = new optim.SGD([{ params: [a] }, { params: [b], lr: 0.5 }], { lr: 0.1 });
    a.grad = keep(full([2], 1));
    b.grad = keep(full([2], 1));
    opt.step();
    assert.deepEqual(Array.from(a.data()), [0.9, 0.9].map(Math.fround));
    assert.deepEqual(Array.from(b.data()), [0.5, 0.5]);
    opt.zeroGrad();
    assert.equal(a.grad, null);
    opt.step(); // no gradients: nothing happens
    assert.deepEqual(Array.from(b.data()), [0.5, 0.5]);
    assert.throws(() => new optim.SGD([a, a], { lr: 0.1 }), /appears in more than one group/);
    assert.throws(() => new optim.SGD([a], { lr: 0.1, nesterov: true }), /Nesterov momentum requires a momentum and zero dampening/);
    assert.throws(() => new optim.AdamW([a], { betas: [1, 0.9] }), /betas must be in \[0, 1\)/);
    assert.throws(() => new optim.AdamW([], {}), /empty parameter list/);
    a.dispose();
    b.dispose();
  });
});

test('AdamW decays decoupled from the gradient; Adam adds L2 to it', () => {
  tidy(() => {
    const p = keep(full([3], 2)).requiresGrad_(true);
    const opt = new optim.AdamW([p], { lr: 0.1, weightDecay: 0.5 });
    p.grad = keep(zeros([3]));
    opt.step();
    // Zero gradient: the Adam update is 0/(0+eps) = 0, only the decay acts.
    assert.deepEqual(Array.from(p.data()), [1.9, 1.9, 1.9].map(Math.fround));
    const q = keep(full([1], 2)).requiresGrad_(true);
    const adam = new optim.Adam([q], { lr: 0.1, weightDecay: 0.5 });
    q.grad = keep(zeros([1]));
    adam.step();
    // L2: g = 0 + 0.5·2 = 1 → first Adam step moves by lr·sign(g).
    assert.ok(Math.abs(q.data()[0]! - 1.9) < 1e-6);
    for (const x of [p, q]) {
      x.zeroGrad();
      x.dispose();
    }
    opt.dispose();
    adam.dispose();
  });
});

test('clipGradNorm: scales only when above maxNorm, returns the total norm', () => {
  tidy(() => {
    const a = keep(zeros([2])).requiresGrad_(true);
    const b = keep(zeros([1])).requiresGrad_(true);
    a.grad = keep(tensor([3, 0]));
    b.grad = keep(tensor([4]));
    assert.equal(optim.clipGradNorm([a, b], 10), 5);
    assert.deepEqual(Array.from(a.grad.data()), [3, 0], 'not clipped');
    assert.equal(optim.clipGradNorm([a, b], 1), 5);
    const scale = Math.fround(1 / Math.fround(5 + 1e-6));
    assert.ok(Math.abs(a.grad.data()[0]! - 3 * scale) < 1e-6);
    assert.ok(Math.abs(b.grad.data()[0]! - 4 * scale) < 1e-6);
    b.grad.dispose();
    b.grad = keep(tensor([-7]));
    assert.ok(Math.abs(optim.clipGradNorm([a, b], 100, Infinity) - 7) < 1e-6);
    assert.equal(optim.clipGradNorm([keep(zeros([1]))], 1), 0, 'no gradients');
    for (const x of [a, b]) {
      x.zeroGrad();
      x.dispose();
    }
  });
});

test('schedules: warmup then linear or cosine decay; state round trip', () => {
  const p = keep(zeros([1])).requiresGrad_(true);
  const opt = new optim.SGD([p], { lr: 1 });
  const lin = optim.warmupLinearDecay(opt, { warmupSteps: 4, totalSteps: 12 });
  const lrs = [lin.getLastLr()[0]];
  for (let i = 0; i < 13; i++) {
    lin.step();
    lrs.push(lin.getLastLr()[0]);
  }
  assert.deepEqual(lrs, [0, 0.25, 0.5, 0.75, 1, 0.875, 0.75, 0.625, 0.5, 0.375, 0.25, 0.125, 0, 0]);
  assert.equal(opt.paramGroups[0]!.lr, 0);
  const opt2 = new optim.SGD([p], { lr: 2 });
  const cos = optim.warmupCosineDecay(opt2, { warmupSteps: 2, totalSteps: 6, minLrRatio: 0.1 });
  const c: number[] = [cos.getLastLr()[0]!];
  for (let i = 0; i < 6; i++) {
    cos.step();
    c.push(cos.getLastLr()[0]!);
  }
  const expected = [0, 1, 2, 2 * (0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * 0.25))), 2 * (0.1 + 0.9 * 0.5), 2 * (0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * 0.75))), 0.2];
  c.forEach((v, i) => assert.ok(Math.abs(v - expected[i]!) < 1e-12, `cosine step ${i}: ${v} vs ${expected[i]}`));
  const state = JSON.parse(JSON.stringify(cos.stateDict()));
  const opt3 = new optim.SGD([p], { lr: 2 });
  const cos2 = optim.warmupCosineDecay(opt3, { warmupSteps: 2, totalSteps: 6, minLrRatio: 0.1 });
  cos2.loadStateDict(state);
  assert.deepEqual(cos2.getLastLr(), cos.getLastLr());
  assert.equal(opt3.paramGroups[0]!.lr, cos.getLastLr()[0]);
  const custom = new optim.LrScheduler(opt3, (s) => 0.5 ** s);
  custom.step();
  assert.deepEqual(custom.getLastLr(), [opt3.paramGroups[0]!.lr]);
  p.dispose();
});
