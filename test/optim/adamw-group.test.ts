// AdamW and Adam update a parameter group in one fused kernel call (AdamWUpdate over a list; on
// wasm one pool job over all of the group's blocks): the same bits as one call per parameter, on
// every backend, on 1 and on 2 threads, with parameters of sizes around the 4096-element blocks;
// parameters whose step counts differ (one that got its first gradient later) go in separate calls
// with their own bias corrections, as PyTorch keeps a step per parameter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromArray, Generator, getBackend, getNumThreads, keep, optim, setNumThreads, zeros, type Tensor } from '../../src/index.js';
import { adamwUpdate_, adamwUpdateMany_ } from '../../src/ops/adamw-update.js';
import { forEachBackend } from '../helpers/backends.js';
import { kernelsRun } from '../helpers/kernels-run.js';
import { pool } from '../../src/backends/wasm/state.js';
import type { PoolCallRecord } from '../../src/backends/wasm/thread-pool.js';

const SIZES = [0, 1, 3, 4095, 4096, 4097, 10001, 128];
const sameBits = (a: Float32Array, b: Float32Array): boolean => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

/** n values from `draw`, kept. */
function kept(n: number, draw: () => number): Tensor {
  return keep(fromArray(Float32Array.from({ length: n }, draw), [n]));
}

/** Parameters with gradients and moments (the second moments positive), all kept. */
function operands(seed: number) {
  const gen = new Generator(seed);
  const normal = (scale: number) => () => gen.nextNormal() * scale;
  return SIZES.map((n) => ({ param: kept(n, normal(1)), grad: kept(n, normal(0.1)), expAvg: kept(n, normal(0.01)), expAvgSq: kept(n, () => 1e-6 + Math.abs(gen.nextNormal()) * 1e-4) }));
}
const ATTRS = { lr: 3e-4, beta1: 0.9, beta2: 0.98, eps: 1e-8, weightDecay: 0.1, stepSize: 3e-4 / (1 - 0.9 ** 7), biasCorrection2Sqrt: Math.sqrt(1 - 0.98 ** 7) };


test('adamwUpdateMany_ gives the bits of adamwUpdate_ on each parameter, in one kernel call, on 1 and 2 threads', () => {
  const before = getNumThreads();
  try {
    forEachBackend(() => {
      const reference = operands(1);
      for (const o of reference) adamwUpdate_(o.param, o.grad, o.expAvg, o.expAvgSq, ATTRS);
      const want = reference.map((o) => [o.param, o.expAvg, o.expAvgSq].map((t) => t.data() as Float32Array));
      for (const threads of getBackend() === 'wasm' ? [1, 2] : [1]) {
        setNumThreads(threads);
        if (getBackend() === 'wasm') pool().waitReady();
        const list = operands(1);
        const jobs: PoolCallRecord[] = [];
        if (getBackend() === 'wasm') pool().setProfiler((r) => jobs.push(r));
        let calls: string[];
        try {
          calls = kernelsRun(() => adamwUpdateMany_(list, ATTRS));
        } finally {
          if (getBackend() === 'wasm') pool().setProfiler(null);
        }
        assert.deepEqual(calls, ['AdamWUpdate'], `${getBackend()} ×${threads}: one kernel call`);
        if (getBackend() === 'wasm') assert.deepEqual(jobs.map((j) => [j.kernel, j.threads]), [['adamw_blocks', threads]], `×${threads}: one pool job over every parameter, split over the threads`);
        list.forEach((o, i) => {
          [o.param, o.expAvg, o.expAvgSq].forEach((t, k) => {
            assert.ok(sameBits(t.data() as Float32Array, want[i]![k]!), `${getBackend()} ×${threads}: parameter ${i} (${SIZES[i]} elements), operand ${k}`);
          });
          assert.ok(o.param.handle.storage.version > 0);
        });
        for (const o of list) for (const t of Object.values(o)) t.dispose();
      }
      for (const o of reference) for (const t of Object.values(o)) t.dispose();
    });
  } finally {
    setNumThreads(before);
  }
});

test('adamwUpdateMany_ names the parameter whose operands do not match', () => {
  forEachBackend(() => {
    const a = keep(zeros([3])), b = keep(zeros([4]));
    assert.throws(() => adamwUpdateMany_([{ param: a, grad: a, expAvg: a, expAvgSq: a }, { param: a, grad: b, expAvg: a, expAvgSq: a }], ATTRS), /adamwUpdate: expected float32 \[3\] for every operand \(parameter 1\), got float32 \[4\]/);
    a.dispose();
    b.dispose();
  });
});

for (const Opt of [optim.AdamW, optim.Adam] as const) {
  test(`${Opt.name}.step: one kernel call per group and step count; the same bits as one optimizer per parameter`, () => {
    forEachBackend(() => {
      const gen = new Generator(5);
      const shapes = [[7, 5], [5], [4097], [3, 3]];
      const init = shapes.map((s) => Float32Array.from({ length: s.reduce((a, b) => a * b, 1) }, () => gen.nextNormal()));
      const grads = [1, 2, 3].map(() => init.map((x) => Float32Array.from(x, () => gen.nextNormal() * 0.1)));
      const make = () => init.map((x, i) => keep(fromArray(x, shapes[i]!)).requiresGrad_(true));
      const together = make();
      const alone = make();
      const opt = new Opt([{ params: together.slice(0, 2) }, { params: together.slice(2), weightDecay: 0 }], { lr: 1e-2, weightDecay: 0.05 });
      const singles = alone.map((p, i) => new Opt([p], { lr: 1e-2, weightDecay: i < 2 ? 0.05 : 0 }));
      for (let step = 0; step < 3; step++) {
        // parameter 3 gets its first gradient at the second step: its step count lags by one
        const has = (i: number) => i !== 3 || step > 0;
        together.forEach((p, i) => (p.grad = has(i) ? keep(fromArray(grads[step]![i]!, shapes[i]!)) : null));
        alone.forEach((p, i) => (p.grad = has(i) ? keep(fromArray(grads[step]![i]!, shapes[i]!)) : null));
        const calls = kernelsRun(() => opt.step()).filter((k) => k === 'AdamWUpdate');
        // group 1: one call; group 2: one call, or two once parameter 3 lags behind parameter 2
        assert.equal(calls.length, step === 0 ? 2 : 3, `${getBackend()} step ${step}: ${calls.length} AdamWUpdate calls`);
        singles.forEach((o, i) => has(i) && o.step());
        together.forEach((p, i) => assert.ok(sameBits(p.data() as Float32Array, alone[i]!.data() as Float32Array), `${getBackend()} step ${step}: parameter ${i}`));
        for (const p of [...together, ...alone]) p.zeroGrad();
      }
      for (const p of [...together, ...alone]) p.dispose();
    });
  });
}
