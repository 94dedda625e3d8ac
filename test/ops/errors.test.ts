// Misuse gives clear errors: each names the op and what it was given (both shapes, the index, the
// dtype), on every backend.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DisposedTensorError, F, ShapeError, fromArray, tidy, zeros, ones, type Tensor,
  add, cat, stack, gather, indexSelect, matmul, where,
} from '../../src/index.js';
import { forEachBackend } from '../helpers/backends.js';

const ints = (values: number[], shape = [values.length]): Tensor => fromArray(Int32Array.from(values), shape, { dtype: 'int32' });

/** Asserts `fn` throws an error (of `type`, when given) whose message contains every one of `parts`. */
function throwsNaming(fn: () => unknown, parts: string[], type?: new (...args: never[]) => Error): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof Error, `expected an Error, got ${String(err)}`);
    if (type) assert.ok(err instanceof type, `expected a ${type.name}, got ${err.name}: ${err.message}`);
    for (const p of parts) assert.ok(err.message.includes(p), `message ${JSON.stringify(err.message)} should mention ${JSON.stringify(p)}`);
    return true;
  });
}

const onBackends = (body: () => void) => () => forEachBackend(() => tidy(body));

test('shape mismatches name the op and both shapes', onBackends(() => {
  throwsNaming(() => zeros([2, 3]).add(zeros([4])), ['add', '[2, 3]', '[4]'], ShapeError);
  throwsNaming(() => add(zeros([2, 3, 4]), zeros([3, 2])), ['add', '[2, 3, 4]', '[3, 2]'], ShapeError);
  throwsNaming(() => zeros([2, 3]).mul(zeros([3, 2])), ['mul', '[2, 3]', '[3, 2]'], ShapeError);
  throwsNaming(() => zeros([2, 3]).lt(zeros([2])), ['lt', '[2, 3]', '[2]'], ShapeError);
  throwsNaming(() => where(zeros([2, 3]).gt(0), zeros([4]), 0), ['where', '[2, 3]', '[4]'], ShapeError);
  throwsNaming(() => matmul(zeros([2, 3]), zeros([4, 5])), ['matmul', '[2, 3]', '[4, 5]']);
  throwsNaming(() => matmul(zeros([3]), zeros([4])), ['matmul', '[3]', '[4]']);
  throwsNaming(() => matmul(zeros([2, 3, 4]), zeros([3, 4, 5])), ['matmul', '[2, 3, 4]', '[3, 4, 5]']);
  throwsNaming(() => F.linear(zeros([2, 3]), zeros([4, 5])), ['linear', '[2, 3]', '[4, 5]'], ShapeError);
  throwsNaming(() => cat([zeros([2, 3]), zeros([2, 4])], 0), ['cat', '[2, 3]', '[2, 4]'], ShapeError);
  throwsNaming(() => cat([zeros([2, 3]), zeros([3])], 0), ['cat', '[2, 3]', '[3]'], ShapeError);
  throwsNaming(() => stack([zeros([2, 3]), zeros([3, 2])]), ['stack', '[2, 3]', '[3, 2]'], ShapeError);
  throwsNaming(() => F.layerNorm(zeros([2, 3]), [4]), ['layerNorm', '[4]', '[2, 3]'], ShapeError);
  throwsNaming(
    () => F.scaledDotProductAttention(zeros([1, 2, 3, 4]), zeros([1, 2, 5, 3]), zeros([1, 2, 5, 4])),
    ['scaledDotProductAttention', '[1, 2, 3, 4]', '[1, 2, 5, 3]'],
    ShapeError,
  );
  throwsNaming(
    () => F.scaledDotProductAttention(zeros([1, 2, 3, 4]), zeros([1, 2, 5, 4]), zeros([1, 2, 5, 4]), { attnMask: zeros([3, 4]) }),
    ['scaledDotProductAttention', '[3, 4]', '[1, 2, 3, 5]'],
    ShapeError,
  );
  throwsNaming(() => F.crossEntropy(zeros([3, 4]), ints([0, 1])), ['crossEntropy', '[2]', '[3, 4]'], ShapeError);
}));

test('reshape to a wrong size names both shapes', onBackends(() => {
  throwsNaming(() => zeros([2, 3]).reshape(4, 2), ['reshape', '[2, 3]', '[4, 2]'], ShapeError);
  throwsNaming(() => zeros([2, 3]).view(4, -1), ['reshape', '[2, 3]', '[4, -1]'], ShapeError);
  throwsNaming(() => zeros([2, 3]).reshape(-1, -1), ['reshape', '[-1, -1]'], ShapeError);
}));

test('dtype mismatches name the op and the dtypes', onBackends(() => {
  throwsNaming(() => matmul(ints([1, 2, 3, 4], [2, 2]), ones([2, 2])), ['matmul', 'int32', '[2, 2]', 'float32'], TypeError);
  throwsNaming(() => matmul(ones([2, 2]), ints([1, 2], [2])), ['matmul', 'int32', '[2]'], TypeError);
  throwsNaming(() => cat([zeros([2]), ints([1, 2])]), ['cat', 'float32', 'int32'], TypeError);
  throwsNaming(() => indexSelect(zeros([3, 2]), 0, zeros([2])), ['indexSelect', 'int32', 'float32', '[2]'], TypeError);
  throwsNaming(() => F.crossEntropy(zeros([2, 3]), zeros([2])), ['crossEntropy', 'int32', 'float32'], TypeError);
  throwsNaming(() => F.layerNorm(ints([1, 2, 3]), [3]), ['layerNorm', 'int32', '[3]'], TypeError);
  throwsNaming(() => F.dropout(ints([1, 2, 3]), 0.5), ['dropout', 'int32', '[3]'], TypeError);
  throwsNaming(() => F.scaledDotProductAttention(ints([1], [1, 1, 1]), zeros([1, 1, 1]), zeros([1, 1, 1])), ['scaledDotProductAttention', 'int32'], TypeError);
  throwsNaming(() => ints([1, 2]).requiresGrad_(), ['requiresGrad', 'int32']);
}));

test('out-of-range indices name the op, the index and both shapes', onBackends(() => {
  throwsNaming(() => indexSelect(zeros([3, 2]), 0, ints([0, 5])), ['indexSelect', 'index 5', '[3, 2]', '[2]'], RangeError);
  throwsNaming(() => indexSelect(zeros([3, 2]), 1, ints([-1])), ['indexSelect', 'index -1', '[3, 2]'], RangeError);
  throwsNaming(() => gather(zeros([2, 3]), 1, ints([0, 3], [1, 2])), ['gather', 'index 3', '[2, 3]', '[1, 2]'], RangeError);
  throwsNaming(() => gather(zeros([2, 3]), 0, ints([0, 1, 2], [1, 3])), ['gather', 'index 2', '[2, 3]', '[1, 3]'], RangeError);
  throwsNaming(() => gather(zeros([2, 3]), 1, ints([0, 1, 2])), ['gather', '[3]', '[2, 3]'], ShapeError);
  throwsNaming(() => F.embedding(ints([1, 6], [1, 2]), zeros([6, 3])), ['embedding', 'index 6', '[6, 3]', '[1, 2]'], RangeError);
  throwsNaming(() => F.embedding(ints([-1]), zeros([6, 3])), ['embedding', 'index -1', '[6, 3]'], RangeError);
  throwsNaming(() => F.embedding(ints([1]), zeros([6, 3]), 6), ['embedding', 'paddingIdx 6', '[6, 3]'], RangeError);
  throwsNaming(() => F.crossEntropy(zeros([3, 4]), ints([0, 4, 1])), ['crossEntropy', 'index 4', '[3, 4]', '[3]'], RangeError);
  throwsNaming(() => F.crossEntropy(zeros([3, 4]), ints([0, -1, 1])), ['crossEntropy', 'index -1', '[3, 4]'], RangeError);
  // An ignored target is not out of range.
  F.crossEntropy(zeros([3, 4]), ints([0, -100, 1]));
  throwsNaming(() => zeros([2, 3]).narrow(1, 2, 2), ['narrow', '[2, 3]'], RangeError);
  throwsNaming(() => zeros([2, 3]).transpose(0, 2), ['transpose', 'dim 2'], ShapeError);
  throwsNaming(() => zeros([2, 3]).softmax(3), ['softmax', 'dim 3'], ShapeError);
}));

test('backward() on a non-scalar without a gradient, or with a wrong-shaped one, says so', onBackends(() => {
  const x = ones([2, 3]).requiresGrad_();
  throwsNaming(() => x.mul(2).backward(), ['backward', 'scalar', '[2, 3]']);
  throwsNaming(() => x.mul(2).backward(ones([3, 2])), ['backward', '[3, 2]', '[2, 3]']);
  throwsNaming(() => ones([2]).sum().backward(), ['backward', 'does not require grad']);
  const loss = x.exp().sum();
  loss.backward();
  throwsNaming(() => loss.backward(), ['backward', 'already freed', 'retainGraph']);
  x.zeroGrad();
}));

test('using a disposed tensor names the op and the tensor', onBackends(() => {
  const dead = () => {
    const t = ones([2, 3]);
    t.dispose();
    return t;
  };
  throwsNaming(() => dead().add(1), ['add', '[2, 3]', 'disposed'], DisposedTensorError);
  throwsNaming(() => ones([2, 3]).mul(dead()), ['mul', '[2, 3]', 'disposed'], DisposedTensorError);
  throwsNaming(() => dead().exp(), ['exp', '[2, 3]', 'disposed'], DisposedTensorError);
  throwsNaming(() => dead().sum(), ['sum', '[2, 3]', 'disposed'], DisposedTensorError);
  throwsNaming(() => matmul(dead(), ones([3, 2])), ['matmul', '[2, 3]', 'disposed'], DisposedTensorError);
  throwsNaming(() => dead().reshape(3, 2), ['reshape', '[2, 3]', 'disposed'], DisposedTensorError);
  throwsNaming(() => dead().softmax(-1), ['softmax', '[2, 3]', 'disposed'], DisposedTensorError);
  throwsNaming(() => cat([ones([2, 3]), dead()]), ['cat', '[2, 3]', 'disposed'], DisposedTensorError);
  throwsNaming(() => F.linear(dead(), ones([4, 3])), ['linear', '[2, 3]', 'disposed'], DisposedTensorError);
  throwsNaming(() => F.layerNorm(dead(), [3]), ['layerNorm', '[2, 3]', 'disposed'], DisposedTensorError);
  throwsNaming(() => dead().data(), ['data', '[2, 3]', 'disposed'], DisposedTensorError);
  throwsNaming(() => dead().item(), ['item', '[2, 3]', 'disposed'], DisposedTensorError);
  throwsNaming(() => dead().backward(), ['backward', '[2, 3]', 'disposed'], DisposedTensorError);
}));
