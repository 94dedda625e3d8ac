import { test } from 'node:test';
import assert from 'node:assert/strict';
import { padSequences, padSequencesFlat } from '../../src/text/index.js';

const SEQS = [[1, 2, 3], [4, 5], [6], []];

test('padSequences: the four padding/truncating modes (Keras semantics)', () => {
  // maxlen 2: [1,2,3] is cut, [4,5] fits, [6] and [] are padded.
  assert.deepEqual(padSequences(SEQS, { maxlen: 2 }), [[2, 3], [4, 5], [0, 6], [0, 0]]);
  assert.deepEqual(padSequences(SEQS, { maxlen: 2, padding: 'post' }), [[2, 3], [4, 5], [6, 0], [0, 0]]);
  assert.deepEqual(padSequences(SEQS, { maxlen: 2, truncating: 'post' }), [[1, 2], [4, 5], [0, 6], [0, 0]]);
  assert.deepEqual(padSequences(SEQS, { maxlen: 2, padding: 'post', truncating: 'post' }), [[1, 2], [4, 5], [6, 0], [0, 0]]);
});

test('padSequences: defaults are maxlen = longest, pre-padding with 0', () => {
  assert.deepEqual(padSequences(SEQS), [[1, 2, 3], [0, 4, 5], [0, 0, 6], [0, 0, 0]]);
  assert.deepEqual(padSequences(SEQS, { maxlen: 5, value: -1 }), [
    [-1, -1, 1, 2, 3],
    [-1, -1, -1, 4, 5],
    [-1, -1, -1, -1, 6],
    [-1, -1, -1, -1, -1],
  ]);
  assert.deepEqual(padSequences([]), []);
  assert.deepEqual(padSequences([[1], [2]], { maxlen: 0 }), [[], []]);
  // Typed arrays are accepted as rows and are not modified.
  const row = Int32Array.from([7, 8, 9]);
  assert.deepEqual(padSequences([row], { maxlen: 2 }), [[8, 9]]);
  assert.deepEqual([...row], [7, 8, 9]);
});

test('padSequencesFlat: same values in one row-major Int32Array', () => {
  for (const padding of ['pre', 'post'] as const) {
    for (const truncating of ['pre', 'post'] as const) {
      const nested = padSequences(SEQS, { maxlen: 2, padding, truncating });
      const flat = padSequencesFlat(SEQS, { maxlen: 2, padding, truncating });
      assert.ok(flat.data instanceof Int32Array);
      assert.equal(flat.rows, 4);
      assert.equal(flat.cols, 2);
      assert.deepEqual([...flat.data], nested.flat());
    }
  }
  const wide = padSequencesFlat(SEQS, { padding: 'post' });
  assert.deepEqual([...wide.data], [1, 2, 3, 4, 5, 0, 6, 0, 0, 0, 0, 0]);
  assert.equal(wide.cols, 3);
  const real = padSequencesFlat([[0.5, 1.5], [2.5]], { dtype: 'float32', value: -0.25 });
  assert.ok(real.data instanceof Float32Array);
  assert.deepEqual([...real.data], [0.5, 1.5, -0.25, 2.5]);
});

test('padSequences: bad options and values are rejected naming the problem', () => {
  assert.throws(() => padSequences(SEQS, { padding: 'left' as 'pre' }), /padSequences: padding must be 'pre' or 'post', got "left"/);
  assert.throws(() => padSequences(SEQS, { truncating: 'middle' as 'pre' }), /truncating must be 'pre' or 'post', got "middle"/);
  assert.throws(() => padSequences(SEQS, { maxlen: -1 }), /maxlen must be a non-negative integer, got -1/);
  assert.throws(() => padSequences(SEQS, { maxlen: 2.5 }), /maxlen must be a non-negative integer, got 2.5/);
  assert.throws(() => padSequencesFlat([[1, 2.5]]), /padSequencesFlat: sequence 0 holds 2.5, which is not an int32/);
  assert.throws(() => padSequencesFlat([[1], [2 ** 31]]), /sequence 1 holds 2147483648/);
  assert.throws(() => padSequencesFlat([[1]], { value: 0.5 }), /value 0.5 is not an int32/);
  assert.throws(() => padSequencesFlat([[1]], { dtype: 'int8' as 'int32' }), /dtype must be 'int32' or 'float32', got "int8"/);
});
