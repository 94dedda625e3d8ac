// sliceAssign_: the in-place strided copy the KV cache appends with, on every backend.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { arange, cat, noGrad, randn, sliceAssign_, tidy, zeros } from '../../src/index.js';
import { forEachBackend } from '../helpers/backends.js';

test('sliceAssign_ writes src at start along any axis and leaves the rest', () => forEachBackend((backend) => tidy(() => {
  for (const [shape, axis, start, rows] of [[[2, 3, 7, 4], 2, 5, 2], [[2, 3, 7, 4], 0, 1, 1], [[3, 65, 17], 1, 0, 65], [[3, 65, 17], -1, 16, 1], [[130, 3], 0, 63, 67]] as const) {
    const dst = randn([...shape]);
    const before = dst.data().slice();
    const srcShape = shape.map((n, d) => (d === (axis < 0 ? axis + shape.length : axis) ? rows : n));
    const src = randn(srcShape);
    const expected = cat([dst.slice(axis, 0, start), src, dst.slice(axis, start + rows)], axis).data();
    assert.equal(sliceAssign_(dst, src, axis, start), dst);
    assert.deepEqual([...dst.data()], [...expected], `${backend} ${JSON.stringify({ shape, axis, start, rows })}`);
    assert.notDeepEqual([...dst.data()], [...before]);
  }
  // int32 too (token buffers)
  const ids = zeros([2, 5], { dtype: 'int32' });
  sliceAssign_(ids, arange(0, 4, 1, { dtype: 'int32' }).reshape([2, 2]).add(1), 1, 3);
  assert.deepEqual([...ids.data()], [0, 0, 0, 1, 2, 0, 0, 0, 3, 4]);
})));

test('sliceAssign_ refuses out-of-range starts, other shapes, other dtypes and grad', () => forEachBackend(() => tidy(() => {
  const dst = zeros([1, 2, 8, 4]);
  assert.throws(() => sliceAssign_(dst, zeros([1, 2, 3, 4]), 2, 6), /src \[1, 2, 3, 4\] at start 6 along axis 2 needs rows 6\.\.8, but dst \[1, 2, 8, 4\] has 8/);
  assert.throws(() => sliceAssign_(dst, zeros([1, 2, 1, 4]), 2, -1), /at start -1/);
  assert.throws(() => sliceAssign_(dst, zeros([1, 3, 1, 4]), 2, 0), /src \[1, 3, 1, 4\] must match dst \[1, 2, 8, 4\] in every dim but axis 2/);
  assert.throws(() => sliceAssign_(dst, zeros([1, 2, 1, 4], { dtype: 'int32' }), 2, 0), /dst is float32 but src is int32/);
  assert.throws(() => sliceAssign_(dst, zeros([1, 2, 1, 4]), 4, 0), /sliceAssign_: dim 4 is out of range/);
  const leaf = zeros([1, 2, 1, 4], { requiresGrad: true });
  assert.throws(() => sliceAssign_(dst, leaf, 2, 0), /in-place writes are not differentiable, but src \[1, 2, 1, 4\] requires grad/);
  assert.throws(() => sliceAssign_(zeros([2, 2], { requiresGrad: true }), zeros([1, 2]), 0, 0), /but dst \[2, 2\] requires grad/);
  noGrad(() => sliceAssign_(dst, leaf.add(1), 2, 7)); // under noGrad the values are copied
  assert.deepEqual([...dst.slice(2, 7).data()], new Array(8).fill(1));
  // a failed write leaves dst untouched
  assert.ok(dst.slice(2, 0, 7).data().every((x) => x === 0));
})));
