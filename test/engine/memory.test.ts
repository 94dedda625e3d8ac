import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { F, memory, randn, tensor, tidy, zeros, noGrad, keep, dispose, randint, manualSeed, type Tensor } from '../../src/index.js';
import { adamwUpdate_ } from '../../src/ops/adamw-update.js';

test('200 optimizer steps of a small attention model keep live memory flat', () => {
  manualSeed(1);
  const d = 16;
  const params = [randn([10, d]), randn([d, d]), randn([d, d]), randn([d, d]), randn([3, d]), zeros([3])].map((p) => keep(p.mul(0.3).requiresGrad_()));
  const moments = params.map((p) => [keep(zeros(p.shape)), keep(zeros(p.shape))] as const);
  const [embed, wq, wk, wv, wo, bo] = params as [Tensor, Tensor, Tensor, Tensor, Tensor, Tensor];
  const snapshots: { numTensors: number; numBytes: number }[] = [];
  for (let step = 1; step <= 200; step++) {
    tidy(() => {
      const ids = randint(0, 10, [4, 6]);
      const labels = randint(0, 3, [4]);
      const x = F.embedding(ids, embed); // (4, 6, d)
      const h = F.scaledDotProductAttention(F.linear(x, wq), F.linear(x, wk), F.linear(x, wv), { isCausal: true, dropoutP: 0.1 });
      const loss = F.crossEntropy(F.linear(F.layerNorm(h, [d]).mean(1), wo, bo), labels);
      loss.backward();
    });
    noGrad(() =>
      params.forEach((p, i) => {
        adamwUpdate_(p, p.grad!, moments[i]![0], moments[i]![1], { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, stepSize: 1e-3, biasCorrection2Sqrt: 1 });
        p.zeroGrad();
      }),
    );
    const { numTensors, numBytes } = memory();
    snapshots.push({ numTensors, numBytes });
  }
  // After warm-up, every step ends with exactly the same live tensors and bytes.
  const after = snapshots.slice(5);
  for (const s of after) assert.deepEqual(s, after[0], `memory grew: ${JSON.stringify(s)} vs ${JSON.stringify(after[0])}`);
  dispose([params, moments.flat()]);
});

test('tidy frees intermediates and keeps what it returns', () => {
  const before = memory().numTensors;
  const kept = tidy(() => {
    const a = randn([3, 3]);
    const b = a.mul(2).add(1);
    return { b, list: [a.sum()] };
  });
  assert.equal(memory().numTensors, before + 2);
  assert.deepEqual(kept.b.shape, [3, 3]);
  dispose(kept);
  assert.equal(memory().numTensors, before);
});

test('a forward pass that never calls backward frees its graph when its tensors are disposed', () => {
  const w = keep(randn([8, 8]).requiresGrad_());
  const base = memory();
  tidy(() => {
    w.matmul(w).softmax(-1).sum();
  });
  assert.equal(memory().numBytes, base.numBytes);
  assert.equal(memory().numTensors, base.numTensors);
  w.dispose();
});

test('nested tidy moves returned tensors to the outer scope', () => {
  const before = memory().numTensors;
  tidy(() => {
    const inner = tidy(() => tensor([1, 2, 3]).mul(2));
    assert.equal(inner.isDisposed, false);
    return undefined;
  });
  assert.equal(memory().numTensors, before);
});

test('tidy refuses an async function', () => {
  assert.throws(() => tidy(() => Promise.resolve(1) as unknown as number), /synchronous/);
});

test('use after dispose names the op and the shape', () => {
  const t = randn([2, 3]);
  t.dispose();
  assert.throws(() => t.add(1), /add: tensor \[2, 3\] float32 was disposed/);
  assert.throws(() => t.data(), /Tensor\.data: tensor \[2, 3\] float32 was disposed/);
});

test('gradients of leaves survive tidy and accumulate across backward calls', () => {
  const x = keep(tensor([1, 2, 3], { requiresGrad: true }));
  tidy(() => x.mul(x).sum().backward());
  tidy(() => x.mul(x).sum().backward());
  assert.deepEqual(x.grad!.toArray(), [4, 8, 12]);
  x.zeroGrad();
  assert.equal(x.grad, null);
  x.dispose();
});

test('noGrad records nothing', () => {
  const x = tensor([1, 2], { requiresGrad: true });
  const y = noGrad(() => x.mul(3));
  assert.equal(y.requiresGrad, false);
  assert.equal(y.gradFn, null);
});

test('a tensor nobody disposed is released by the garbage collector and counted as collected', () => {
  // In a child process with --expose-gc, so the collection is forced and the count is exact.
  const index = fileURLToPath(new URL('../../src/index.ts', import.meta.url));
  const script = `
    import { memory, randn, keep } from '${index}';
    const before = memory();
    (() => { keep(randn([256])); keep(randn([4, 4])); })(); // two leaks, 1 KiB and 64 B
    const leaked = memory();
    for (let i = 0; i < 20 && memory().collectedTensors < 2; i++) {
      globalThis.gc();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const after = memory();
    console.log(JSON.stringify({ before, leaked, after }));
  `;
  const res = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(res.status, 0, res.stderr);
  const { before, leaked, after } = JSON.parse(res.stdout) as Record<'before' | 'leaked' | 'after', ReturnType<typeof memory>>;
  assert.equal(leaked.numTensors, before.numTensors + 2);
  assert.equal(after.numTensors, before.numTensors);
  assert.equal(after.numBytes, before.numBytes);
  assert.equal(after.collectedTensors, before.collectedTensors + 2);
  assert.equal(after.collectedBytes - before.collectedBytes, leaked.numBytes - before.numBytes);
  assert.ok(after.collectedBytes - before.collectedBytes >= 256 * 4 + 16 * 4);
});
